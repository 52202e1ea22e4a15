// kubectl port-forward, and kubectl 1.20's SPDY exec, against a pod on a real agent: kubectl 1.32 through its
// WebSocket-tunnelled SPDY (its default) and through plain SPDY (its fallback), an HTTP GET through the forwarded port
// answered by the pod's busybox httpd, two connections at once carrying 1 MiB each, a closed pod port reported by
// kubectl as the kubelet's error; kubectl 1.20 (SPDY only) exec — stdout, stderr, the exit code, stdin with -i — and
// port-forward; a viewer's token refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { request } from "node:http";
import { WebSocket } from "ws";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { api, userSession } from "../support/session";
import { kube, kubeEndpoint, legacyKubectl, mintToken, until, untilPod, type Kube, type KubeEndpoint } from "../k8s/support";

let h: FleetHost;
let ep: KubeEndpoint;
let k: Kube; // an operator's kubectl 1.32
let old: Kube | null; // the same operator's kubectl 1.20
let viewer: Kube;
const kubectl120 = legacyKubectl();

// 1 MiB of bytes that are not text, served as /big.bin; its digest to compare with what comes through.
const BIG = 1 << 20;

before(async () => {
  h = await startFleetHost("gpf");
  ep = await kubeEndpoint(h.cp);
  const token = await mintToken(h.cp, (await userSession(h.cp, h.ownerCookie, "operator")).cookie);
  k = kube(ep, token);
  old = kubectl120 ? kube(ep, token, undefined, kubectl120) : null;
  viewer = kube(ep, await mintToken(h.cp, (await userSession(h.cp, h.ownerCookie, "viewer")).cookie));
  const node = (await api(h.cp, h.ownerCookie).get(`/api/v1/hosts/${h.hostId}`)).body.name;
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web" },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "httpd",
          image: h.image,
          command: ["sh", "-c", `mkdir -p /www && echo hello-from-pod > /www/index.html && head -c ${BIG} /dev/urandom > /www/big.bin && sha256sum /www/big.bin > /www/big.sum && exec httpd -f -p 80 -h /www`],
          ports: [{ containerPort: 80 }],
        },
      ],
    },
  };
  const r = await k.run(["apply", "-f", "-"], { stdin: JSON.stringify(pod) });
  assert.equal(r.code, 0, r.stderr);
  await untilPod(k, "web", (p) => p.status?.phase === "Running" && !!p.status?.containerStatuses?.[0]?.state?.running, 60_000, "the web pod running");
});

after(async () => {
  await ep?.close();
  await h?.destroy();
});

function get(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, headers: { connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

/** kubectl port-forward left running until it says which local port it listens on. */
async function forward(kc: Kube, remote: number, env: Record<string, string> = {}) {
  const pf = kc.spawn(["port-forward", "pod/web", `:${remote}`, "-v=4"], { env });
  await until(() => /Forwarding from 127\.0\.0\.1:\d+ ->/.test(pf.output()) || pf.child.exitCode !== null, 20_000, `kubectl port-forward listening (${pf.output()})`);
  const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(pf.output());
  assert.ok(m, `kubectl port-forward did not start:\n${pf.output()}`);
  return { ...pf, port: Number(m[1]) };
}

async function expectServed(port: number) {
  const index = await get(port, "/index.html");
  assert.equal(index.status, 200);
  assert.equal(index.body.toString(), "hello-from-pod\n");
  // Two connections at once, 1 MiB each: the bytes the pod sent, whole (their digest is the pod's own).
  const [a, b, sum] = await Promise.all([get(port, "/big.bin"), get(port, "/big.bin"), get(port, "/big.sum")]);
  const want = sum.body.toString().split(/\s+/)[0];
  for (const r of [a, b]) {
    assert.equal(r.status, 200);
    assert.equal(r.body.length, BIG);
    assert.equal(createHash("sha256").update(r.body).digest("hex"), want);
  }
}

test("kubectl 1.32 port-forward (SPDY tunnelled in a WebSocket, its default): a GET answered by the pod, two connections at once", async () => {
  const pf = await forward(k, 80);
  try {
    await expectServed(pf.port);
    // It went through the tunnel, not the fallback to a SPDY upgrade.
    assert.match(pf.output(), /Before WebSocket Upgrade Connection/);
    assert.match(pf.output(), /negotiated protocol: portforward\.k8s\.io/);
    assert.doesNotMatch(pf.output(), /fallback to secondary dialer/);
  } finally {
    await pf.stop();
  }
});

test("kubectl 1.32 port-forward over a plain SPDY upgrade (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)", async () => {
  const pf = await forward(k, 80, { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" });
  try {
    await expectServed(pf.port);
    assert.doesNotMatch(pf.output(), /Before WebSocket Upgrade/);
  } finally {
    await pf.stop();
  }
});

test("a port the pod does not listen on: kubectl reports the error forwarding it", async () => {
  const pf = await forward(k, 81);
  try {
    await get(pf.port, "/").then(
      (r) => assert.fail(`a closed port answered ${r.status}`),
      () => {},
    );
    await until(() => /error forwarding port 81 to pod web_default/.test(pf.output()), 15_000, `the error reported (${pf.output()})`);
    assert.match(pf.output(), /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod web_default, uid [0-9a-f-]+: failed to connect to [\d.]+:81 in the pod's network: ECONNREFUSED/);
  } finally {
    await pf.stop();
  }
});

test("the v4.channel.k8s.io WebSocket protocol (as the kubelet serves it): each port announced on its channels, the pod's answer on the data channel", async () => {
  const token = (await import("node:fs")).readFileSync(k.kubeconfig, "utf8").match(/token: (gat_[A-Za-z0-9_-]+)/)![1]!;
  const ws = new WebSocket(`${ep.server.replace(/^https/, "wss")}/api/v1/namespaces/default/pods/web/portforward?ports=80`, ["v4.channel.k8s.io"], {
    headers: { authorization: `Bearer ${token}` },
    ca: [ep.certificate],
  });
  const frames: Buffer[] = [];
  ws.on("message", (d: Buffer) => frames.push(d));
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  assert.equal(ws.protocol, "v4.channel.k8s.io");
  ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("GET /index.html HTTP/1.0\r\n\r\n")]));
  await new Promise((resolve) => ws.once("close", resolve));
  // Port 80 as two bytes little-endian first on the data (0) and error (1) channels, then the response on channel 0.
  assert.deepEqual(frames.slice(0, 2), [Buffer.from([0, 80, 0]), Buffer.from([1, 80, 0])]);
  const response = Buffer.concat(frames.slice(2).filter((f) => f[0] === 0).map((f) => f.subarray(1))).toString();
  assert.match(response, /^HTTP\/1\.[01] 200 OK[^]*\r\n\r\nhello-from-pod\n$/);
  assert.equal(frames.filter((f) => f[0] === 1).length, 1, "no error on the error channel");
});

test("a viewer's token is Forbidden to port-forward", async () => {
  const r = await viewer.run(["port-forward", "pod/web", ":80"], { timeoutMs: 20_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /forbidden.*pods\/portforward.*containers\.port-forward/i);
});

test("kubectl 1.20 (SPDY only): exec with stdout, stderr and the exit code, stdin with -i; port-forward", { skip: kubectl120 ? false : "kubectl 1.20 could not be fetched with apt-get download (see the message above)" }, async () => {
  const kc = old!;
  const both = await kc.run(["exec", "web", "--", "sh", "-c", "echo out; echo err >&2"]);
  assert.equal(both.code, 0, both.stderr);
  assert.equal(both.stdout, "out\n");
  assert.match(both.stderr, /^err$/m);
  const failed = await kc.run(["exec", "web", "--", "sh", "-c", "exit 7"]);
  assert.equal(failed.code, 7, failed.stderr);
  const shout = await kc.run(["exec", "-i", "web", "--", "tr", "a-z", "A-Z"], { stdin: "shout\n" });
  assert.equal(shout.code, 0, shout.stderr);
  assert.equal(shout.stdout, "SHOUT\n");

  const pf = await forward(kc, 80);
  try {
    await expectServed(pf.port);
  } finally {
    await pf.stop();
  }
});
