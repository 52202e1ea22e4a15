// Endpoints and EndpointSlices follow the pods a Service selects (issue 14, item 3): the real kubectl against a real
// control plane running its controllers, and real pods on a real agent whose readiness probe the test flips (exec
// `test -f /tmp/ready`). Ready pods are addresses, the others notReadyAddresses, within a second of the pod's Ready
// condition changing; a named targetPort is resolved in each pod; hostname/subdomain, nodeName and targetRef are set; a
// selector matching nothing gives an Endpoints with no subsets (kubectl get says <none>) and an empty placeholder slice; a deleted Service takes its Endpoints and slices along.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { api } from "../support/session";
import { kapi, kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "../k8s/support";

let h: FleetHost;
let ep: KubeEndpoint;
let k: Kube;
let raw: ReturnType<typeof kapi>;
let node: string;

before(async () => {
  h = await startFleetHost("gse");
  ep = await kubeEndpoint(h.cp);
  const token = await mintToken(h.cp, h.ownerCookie);
  k = kube(ep, token);
  raw = kapi(ep, token);
  node = (await api(h.cp, h.ownerCookie).get(`/api/v1/hosts/${h.hostId}`)).body.name;
});

after(async () => {
  await ep?.close();
  await h?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const rows = (out: string) => out.trim().split("\n").map((l) => l.trim().split(/\s{2,}/));

/** A pod on the agent serving httpd on `port` (named "http"), ready only while /tmp/ready exists. */
const pod = (name: string, port: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "web" } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      ...extra,
      containers: [
        {
          name: "web",
          image: h.image,
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p ${port} -h /www`],
          ports: [{ containerPort: port, name: "http" }],
          readinessProbe: { exec: { command: ["test", "-f", "/tmp/ready"] }, periodSeconds: 1 },
        },
      ],
    },
  });

const endpointsOf = async (name: string) => (await raw.request("GET", `/api/v1/namespaces/default/endpoints/${name}`)).body;
const ipsOf = (addrs: Array<{ ip: string }> | undefined) => (addrs ?? []).map((a) => a.ip).sort();

test("a Service's Endpoints follow its pods' readiness within a second; targetPort by name is resolved in each pod", async () => {
  await ok(["create", "-f", "-"], JSON.stringify({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  }));
  // No pods yet: an Endpoints of the Service's name with no subsets, and the placeholder slice.
  await until(async () => (await raw.request("GET", "/api/v1/namespaces/default/endpoints/web")).status === 200, 5_000, "the Endpoints of web");
  assert.equal((await endpointsOf("web")).subsets, undefined);
  assert.deepEqual(rows(await ok(["get", "endpoints", "web"])).map((r) => r.slice(0, 2)), [["NAME", "ENDPOINTS"], ["web", "<none>"]]);

  await ok(["create", "-f", "-"], pod("web-a", 8080, { hostname: "a", subdomain: "web" }));
  await ok(["create", "-f", "-"], pod("web-b", 9090));
  const podIP = async (name: string) => (await raw.request("GET", `/api/v1/namespaces/default/pods/${name}`)).body.status?.podIP as string | undefined;
  await until(async () => !!(await podIP("web-a")) && !!(await podIP("web-b")), 60_000, "both pods running with an IP");
  const [ipA, ipB] = [(await podIP("web-a"))!, (await podIP("web-b"))!];

  // Running, not ready: both are notReadyAddresses, each in the subset of its own port (8080 and 9090).
  await until(async () => ipsOf((await endpointsOf("web")).subsets?.flatMap((s: { notReadyAddresses?: unknown[] }) => s.notReadyAddresses ?? [])).length === 2, 10_000, "two not-ready addresses");
  let e = await endpointsOf("web");
  const subsetOf = (ip: string) => e.subsets.find((s: { addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> }) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].some((a) => a.ip === ip));
  assert.deepEqual(subsetOf(ipA).ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  assert.deepEqual(subsetOf(ipB).ports, [{ name: "http", port: 9090, protocol: "TCP" }]);
  const a = subsetOf(ipA).notReadyAddresses[0];
  assert.deepEqual(a, { ip: ipA, hostname: "a", nodeName: node, targetRef: { kind: "Pod", namespace: "default", name: "web-a", uid: a.targetRef.uid } });
  assert.equal(subsetOf(ipB).notReadyAddresses[0].hostname, undefined, "no subdomain: no hostname");

  // web-a becomes ready: its address moves to addresses within a second of its Ready condition.
  const pods = raw.watch("/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dweb-a");
  const eps = raw.watch("/api/v1/namespaces/default/endpoints?watch=true&fieldSelector=metadata.name%3Dweb");
  const times = { pod: 0, ep: 0 };
  const readyIs = (want: string) => (ev: { object: any }) => ev.object?.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === want);
  const stamp = (w: ReturnType<typeof raw.watch>, pred: (ev: { type: string; object: any }) => boolean, key: "pod" | "ep") => {
    const seen = w.events.length;
    return until(() => {
      if (w.events.slice(seen).some(pred)) {
        times[key] ||= Date.now();
        return true;
      }
      return false;
    }, 20_000, `${key} event`);
  };
  const inAddresses = (ip: string, ready: boolean) => (ev: { object: any }) =>
    (ev.object?.subsets ?? []).some((s: { addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> }) => ((ready ? s.addresses : s.notReadyAddresses) ?? []).some((x) => x.ip === ip));
  await Promise.all([pods.waitFor(() => true, 5_000, "the pod watch's first event").catch(() => {}), eps.waitFor(() => true, 5_000, "the endpoints watch's first event").catch(() => {})]);
  try {
    let waits = [stamp(pods, readyIs("True"), "pod"), stamp(eps, inAddresses(ipA, true), "ep")];
    await ok(["exec", "web-a", "--", "touch", "/tmp/ready"]);
    await Promise.all(waits);
    assert.ok(times.ep - times.pod < 1000, `Endpoints took ${times.ep - times.pod} ms after the pod's Ready`);
    e = await endpointsOf("web");
    assert.deepEqual(ipsOf(subsetOf(ipA).addresses), [ipA]);
    assert.deepEqual(ipsOf(subsetOf(ipB).notReadyAddresses), [ipB]);
    assert.deepEqual(rows(await ok(["get", "endpoints", "web"]))[1]!.slice(0, 2), ["web", `${ipA}:8080`]);
    assert.match(await ok(["describe", "service", "web"]), new RegExp(`Endpoints:\\s+${ipA.replace(/\./g, "\\.")}:8080`));

    // And back: not ready again → notReadyAddresses within a second.
    times.pod = times.ep = 0;
    waits = [stamp(pods, readyIs("False"), "pod"), stamp(eps, inAddresses(ipA, false), "ep")];
    await ok(["exec", "web-a", "--", "rm", "/tmp/ready"]);
    await Promise.all(waits);
    assert.ok(times.ep - times.pod < 1000, `Endpoints took ${times.ep - times.pod} ms after the pod's not Ready`);
    assert.deepEqual(rows(await ok(["get", "endpoints", "web"]))[1]!.slice(0, 2), ["web", "<none>"]);
  } finally {
    pods.close();
    eps.close();
  }

  // The slices say the same: one per port set, ready/serving/terminating, the pod and its node.
  await ok(["exec", "web-b", "--", "touch", "/tmp/ready"]);
  await until(async () => ipsOf((await endpointsOf("web")).subsets?.flatMap((s: { addresses?: unknown[] }) => s.addresses ?? [])).includes(ipB), 10_000, "web-b ready");
  const slices = JSON.parse(await ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json"])).items;
  const byPort = new Map(slices.map((s: { ports?: Array<{ port: number }> }) => [s.ports?.[0]?.port, s]));
  assert.deepEqual([...byPort.keys()].sort(), [8080, 9090]);
  const sb = byPort.get(9090) as any;
  assert.deepEqual(sb.endpoints, [{ addresses: [ipB], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: "Pod", namespace: "default", name: "web-b", uid: sb.endpoints[0].targetRef.uid }, nodeName: node }]);
  assert.deepEqual([sb.addressType, sb.metadata.ownerReferences[0].kind, sb.metadata.ownerReferences[0].name], ["IPv4", "Service", "web"]);
  const table = rows(await ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=web"]));
  assert.deepEqual(table[0], ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
  assert.ok(table.some((r) => r[1] === "IPv4" && r[2] === "9090" && r[3] === ipB), JSON.stringify(table));

  // A pod deleted leaves; the Service deleted takes its Endpoints and slices along.
  await ok(["delete", "pod", "web-b", "--wait=false"]);
  await until(async () => !JSON.stringify((await endpointsOf("web")).subsets ?? []).includes(ipB), 5_000, "web-b gone from the Endpoints");
  await ok(["delete", "service", "web"]);
  await until(async () => (await raw.request("GET", "/api/v1/namespaces/default/endpoints/web")).status === 404, 5_000, "the Endpoints gone");
  await until(async () => JSON.parse(await ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json"])).items.length === 0, 5_000, "the slices gone");
  await ok(["delete", "pod", "web-a", "--wait=false"]);
});

test("a Service whose selector matches nothing has an Endpoints with no subsets (kubectl get says <none>) and an empty slice", async () => {
  await ok(["create", "service", "clusterip", "nobody", "--tcp=80:80"]);
  await until(async () => (await raw.request("GET", "/api/v1/namespaces/default/endpoints/nobody")).status === 200, 5_000, "the Endpoints of nobody");
  assert.equal((await endpointsOf("nobody")).subsets, undefined);
  // kubectl 1.32 describes a Service's endpoints from its slices: the placeholder slice lists none (as on a real cluster).
  assert.match(await ok(["describe", "service", "nobody"]), /\nEndpoints: *\n/);
  assert.deepEqual(rows(await ok(["get", "endpoints", "nobody"]))[1]!.slice(0, 2), ["nobody", "<none>"]);
  const slices = rows(await ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=nobody"]));
  assert.deepEqual(slices[1]!.slice(1, 4), ["IPv4", "<unset>", "<unset>"]);
});
