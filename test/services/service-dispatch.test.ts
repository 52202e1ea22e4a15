// services.sync to connected hosts (issue 14, the control plane's half of item 4): a real control plane, and hosts that
// join with a real join token and speak the agent protocol over their own socket.io connections (as the hollow hosts of
// test/fleet do; the agent's own handler is another branch's). Each host gets the full set of Services on hello, then
// deltas of what changed — a Service made, its endpoints (an EndpointSlice written through kubectl), one deleted — each
// one revision after the last; a host answering { ok: false } gets the full set again. Every message is checked with the
// protocol's schema.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import { joinWithToken } from "@/agent/join";
import { systemClock } from "@/agent/clock";
import { AGENT_NAMESPACE, PROTOCOL_VERSION, SOCKET_PATH, type Ack } from "@/lib/protocol";
import { ServicesSync } from "@/lib/protocol/services";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { mintJoinToken } from "../support/agent";
import { HOLLOW_FACTS } from "../support/hollow-fleet";
import { setupOwner, signIn } from "../support/session";
import { kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "../k8s/support";

let cp: ControlPlane;
let ep: KubeEndpoint;
let k: Kube;
let cookie: string;
const hosts: Host[] = [];

interface Host {
  socket: Socket;
  messages: ServicesSync[];
  /** Answers to give, in turn, instead of { ok: true }. */
  answers: Ack[];
}

/** Joins a host and opens its link: hello with facts, services.sync taken and acknowledged. */
async function connectHost(name: string): Promise<Host> {
  const { token } = await mintJoinToken(cp.url, cookie);
  const joined = await joinWithToken(cp.url, token, { ...HOLLOW_FACTS, hostname: name }, { clock: systemClock, random: Math.random, log: () => {} });
  const socket = io(cp.url + AGENT_NAMESPACE, { path: SOCKET_PATH, auth: { protocolVersion: PROTOCOL_VERSION, credential: joined.credential }, transports: ["websocket"], reconnection: false });
  const host: Host = { socket, messages: [], answers: [] };
  socket.on("services.sync", (msg: unknown, ack: (r: Ack) => void) => {
    host.messages.push(ServicesSync.parse(msg));
    ack(host.answers.shift() ?? { ok: true });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const ack = await socket.timeout(10_000).emitWithAck("hello", { facts: { ...HOLLOW_FACTS, hostname: name } });
  assert.deepEqual((ack as { ok: boolean }).ok, true);
  hosts.push(host);
  return host;
}

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_SERVICE_CIDR: "10.101.0.0/24" } });
  const owner = await setupOwner(cp);
  cookie = await signIn(cp, owner.email, owner.password);
  ep = await kubeEndpoint(cp);
  k = kube(ep, await mintToken(cp, cookie));
});

after(async () => {
  for (const h of hosts) h.socket.disconnect();
  await ep?.close();
  await cp?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const nth = async (h: Host, n: number, what: string) => {
  await until(() => h.messages.length >= n, 10_000, `${what} (got ${JSON.stringify(h.messages.map((m) => [m.revision, m.full, m.services.map((s) => s.name), m.removed]))})`);
  return h.messages[n - 1]!;
};

test("a host gets every Service on hello, then one delta per change, each one revision after the last", async () => {
  await ok(["create", "service", "clusterip", "db", "--tcp=5432:5432"]);
  const db = JSON.parse(await ok(["get", "svc", "db", "-o", "json"]));
  const a = await connectHost("svc-a");

  const first = await nth(a, 1, "the full set");
  assert.equal(first.full, true);
  assert.deepEqual([first.clusterDomain, first.serviceCIDR, first.removed], ["cluster.local", "10.101.0.0/24", []]);
  assert.deepEqual(first.services, [{
    namespace: "default", name: "db", uid: db.metadata.uid, type: "ClusterIP", clusterIP: db.spec.clusterIP, sessionAffinity: "None",
    affinityTimeoutSeconds: 10800, publishNotReadyAddresses: false, ports: [{ name: "5432-5432", protocol: "TCP", port: 5432 }], endpoints: [],
  }]);

  // A NodePort Service without a selector, with ClientIP affinity: a delta carrying it alone.
  await ok(["create", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "Service", metadata: { name: "web" },
    spec: { type: "NodePort", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  }));
  const web = JSON.parse(await ok(["get", "svc", "web", "-o", "json"]));
  const second = await nth(a, 2, "the delta of web");
  assert.deepEqual([second.full, second.revision, second.services.map((s) => s.name), second.removed], [false, first.revision + 1, ["web"], []]);
  const w = second.services[0]!;
  assert.deepEqual([w.type, w.clusterIP, w.sessionAffinity, w.affinityTimeoutSeconds, w.ports], ["NodePort", web.spec.clusterIP, "ClientIP", 60, [{ name: "http", protocol: "TCP", port: 80, nodePort: web.spec.ports[0].nodePort }]]);

  // Its endpoints, from an EndpointSlice written by hand (a Service without a selector has whatever its slices say).
  await ok(["create", "-f", "-"], JSON.stringify({
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name: "web-1", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: [
      { addresses: ["10.244.1.7"], conditions: { ready: true }, nodeName: "n1", hostname: "w1", targetRef: { kind: "Pod", namespace: "default", name: "web-1" } },
      { addresses: ["10.244.2.9"], conditions: { ready: false }, nodeName: "n2", targetRef: { kind: "Pod", namespace: "default", name: "web-2" } },
    ],
  }));
  const third = await nth(a, 3, "the delta of web's endpoints");
  assert.deepEqual([third.revision, third.services.map((s) => s.name)], [second.revision + 1, ["web"]]);
  assert.deepEqual(third.services[0]!.endpoints, [
    { ip: "10.244.1.7", ready: true, hostname: "w1", nodeName: "n1", podName: "web-1", ports: { http: 8080 } },
    { ip: "10.244.2.9", ready: false, nodeName: "n2", podName: "web-2", ports: { http: 8080 } },
  ]);

  // Deleted: a delta naming it in `removed`.
  await ok(["delete", "svc", "db"]);
  const fourth = await nth(a, 4, "the removal of db");
  assert.deepEqual([fourth.revision, fourth.services, fourth.removed], [third.revision + 1, [], ["default/db"]]);

  // A second host joining now gets the full set as it is — web alone — at the current revision.
  const b = await connectHost("svc-b");
  const bFirst = await nth(b, 1, "b's full set");
  assert.deepEqual([bFirst.full, bFirst.revision, bFirst.services.map((s) => s.name)], [true, fourth.revision, ["web"]]);
  assert.deepEqual(bFirst.services[0], { ...third.services[0] });
  assert.equal(a.messages.length, 4, "a hello of another host sends this one nothing");
});

test("a host answering { ok: false } gets the full set again; the others only the delta", async () => {
  const [a, b] = hosts as [Host, Host];
  const [na, nb] = [a.messages.length, b.messages.length];
  a.answers.push({ ok: false, error: "revision gap: expected 7, got 9" });
  await ok(["create", "service", "clusterip", "cache", "--tcp=6379:6379"]);
  const delta = await nth(a, na + 1, "the delta of cache");
  const again = await nth(a, na + 2, "the full set again");
  assert.deepEqual([delta.full, delta.services.map((s) => s.name)], [false, ["cache"]]);
  assert.deepEqual([again.full, again.revision, again.services.map((s) => s.name).sort()], [true, delta.revision, ["cache", "web"]]);
  const bDelta = await nth(b, nb + 1, "b's delta of cache");
  assert.deepEqual([bDelta.full, bDelta.revision], [false, delta.revision]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.messages.length, nb + 1, "b was sent the delta only");

  // In step again: the next change is a delta to both.
  await ok(["delete", "svc", "cache"]);
  const [ra, rb] = [await nth(a, na + 3, "a's removal"), await nth(b, nb + 2, "b's removal")];
  assert.deepEqual([ra.full, ra.removed, ra.revision, rb.revision], [false, ["default/cache"], delta.revision + 1, delta.revision + 1]);
});
