// Services' addresses through the real kubectl against a real control plane (issue 14, item 3 and its bad input): a
// cluster IP from GANTRY_SERVICE_CIDR on create, never the same for two Services however many are created at once,
// given back on delete and kept across a restart; an explicit cluster IP or node port that is out of range or taken is
// refused with a 422 naming the field and creates nothing; the cluster IP never changes once set; headless Services
// get none; NodePort Services get a node port per port; kube-apiserver's defaults (ipFamilies, ipFamilyPolicy,
// internalTrafficPolicy, sessionAffinityConfig).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn } from "../support/session";
import { kapi, kube, kubeEndpoint, mintToken, type Kube, type KubeEndpoint } from "../k8s/support";
import { cidrContains, ipv4ToNumber, parseCidr } from "@/lib/network/cluster-cidrs";

// A small range (62 addresses), so what a scan finds and what is taken is easy to see.
const SERVICE_CIDR = "10.100.0.0/26";
const range = parseCidr(SERVICE_CIDR)!;

let cp: ControlPlane;
let ep: KubeEndpoint;
let k: Kube;
let raw: ReturnType<typeof kapi>;

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_CONTROLLERS: "off", GANTRY_SERVICE_CIDR: SERVICE_CIDR } });
  ep = await kubeEndpoint(cp);
  const owner = await setupOwner(cp);
  const token = await mintToken(cp, await signIn(cp, owner.email, owner.password));
  k = kube(ep, token);
  raw = kapi(ep, token);
});

after(async () => {
  await ep?.close();
  await cp?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function fails(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} should have failed:\n${r.stdout}`);
  return r.stderr;
}

const inRange = (ip: string) => cidrContains(range, ipv4ToNumber(ip)!) && ip !== "10.100.0.0" && ip !== "10.100.0.63";
const getSvc = async (name: string, ns = "default") => JSON.parse(await ok(["get", "svc", name, "-n", ns, "-o", "json"]));
const service = (name: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });

test("a Service gets a cluster IP from the service CIDR, with kube-apiserver's defaults; kubectl shows it", async () => {
  await ok(["create", "service", "clusterip", "web", "--tcp=80:8080"]);
  const svc = await getSvc("web");
  assert.ok(inRange(svc.spec.clusterIP), `${svc.spec.clusterIP} is in ${SERVICE_CIDR}`);
  assert.deepEqual(
    [svc.spec.clusterIPs, svc.spec.ipFamilies, svc.spec.ipFamilyPolicy, svc.spec.internalTrafficPolicy, svc.spec.sessionAffinity],
    [[svc.spec.clusterIP], ["IPv4"], "SingleStack", "Cluster", "None"],
  );
  assert.match(await ok(["get", "svc", "web"]), new RegExp(`web\\s+ClusterIP\\s+${svc.spec.clusterIP.replace(/\./g, "\\.")}\\s+<none>\\s+80/TCP`));
});

test("Services created at once never share a cluster IP", async () => {
  const names = Array.from({ length: 24 }, (_, i) => `many-${i}`);
  const created = await Promise.all(names.map((n) => raw.request("POST", "/api/v1/namespaces/default/services", JSON.parse(service(n, {})))));
  assert.deepEqual(created.map((r) => r.status), names.map(() => 201), JSON.stringify(created.find((r) => r.status !== 201)?.body));
  const ips = created.map((r) => r.body.spec.clusterIP as string);
  assert.equal(new Set(ips).size, ips.length, `distinct: ${ips.join(" ")}`);
  assert.ok(ips.every(inRange), ips.join(" "));
  const listed = JSON.parse(await ok(["get", "svc", "-o", "json"])).items.map((s: { spec: { clusterIP: string } }) => s.spec.clusterIP);
  assert.equal(new Set(listed).size, listed.length);
  await ok(["delete", "svc", ...names]);
});

test("an explicit cluster IP that is taken or outside the range is refused naming spec.clusterIPs, and nothing is created", async () => {
  const taken = (await getSvc("web")).spec.clusterIP;
  let err = await fails(["create", "-f", "-"], service("dup", { clusterIP: taken }));
  assert.match(err, new RegExp(`Service "dup" is invalid: spec\\.clusterIPs: Invalid value: \\[\\]string\\{"${taken.replace(/\./g, "\\.")}"\\}: failed to allocate IP ${taken.replace(/\./g, "\\.")}: provided IP is already allocated`));
  assert.match(await fails(["get", "svc", "dup"]), /NotFound/);

  err = await fails(["create", "-f", "-"], service("far", { clusterIP: "10.0.0.5" }));
  assert.match(err, /spec\.clusterIPs: Invalid value: \[\]string\{"10\.0\.0\.5"\}: failed to allocate IP 10\.0\.0\.5: the provided IP \(10\.0\.0\.5\) is not in the valid range\. The range of valid IPs is 10\.100\.0\.0\/26/);
  err = await fails(["create", "-f", "-"], service("net", { clusterIP: "10.100.0.0" }));
  assert.match(err, /spec\.clusterIPs: .*not in the valid range/, "the network address is not a service's");
  err = await fails(["create", "-f", "-"], service("bad", { clusterIP: "ten.one" }));
  assert.match(err, /spec\.clusterIPs\[0\]: Invalid value: "ten\.one": must be a valid IPv4 address/);
  const r = await raw.request("POST", "/api/v1/namespaces/default/services", JSON.parse(service("far", { clusterIP: "10.0.0.5" })));
  assert.deepEqual([r.status, r.body.reason, r.body.details.causes[0].field], [422, "Invalid", "spec.clusterIPs"]);
  assert.match(await fails(["get", "svc", "far"]), /NotFound/);

  // A free one inside the range is taken as asked.
  await ok(["create", "-f", "-"], service("fixed", { clusterIP: "10.100.0.62" }));
  assert.equal((await getSvc("fixed")).spec.clusterIP, "10.100.0.62");
});

test("a Service's cluster IP never changes once set, and an update that leaves it out keeps it", async () => {
  const ip = (await getSvc("fixed")).spec.clusterIP;
  const err = await fails(["patch", "svc", "fixed", "--type=merge", "-p", '{"spec":{"clusterIP":"10.100.0.61","clusterIPs":["10.100.0.61"]}}']);
  assert.match(err, /spec\.clusterIPs\[0\]: Invalid value: "10\.100\.0\.61": may not change once set/);
  // kubectl replace of a manifest without clusterIP (as one written by hand is).
  await ok(["replace", "-f", "-"], service("fixed", { ports: [{ port: 81 }] }));
  const svc = await getSvc("fixed");
  assert.deepEqual([svc.spec.clusterIP, svc.spec.ports[0].port], [ip, 81]);
});

test("deleting a Service gives its cluster IP back; a restart forgets nothing that is held", async () => {
  await ok(["create", "-f", "-"], service("short", { clusterIP: "10.100.0.60" }));
  await ok(["delete", "svc", "short"]);
  await ok(["create", "-f", "-"], service("again", { clusterIP: "10.100.0.60" }));
  // A namespace deleted takes its Services' addresses with it.
  await ok(["create", "namespace", "gone"]);
  await ok(["create", "-n", "gone", "-f", "-"], service("in-ns", { clusterIP: "10.100.0.59" }));
  await ok(["delete", "namespace", "gone"]);
  await ok(["create", "-f", "-"], service("reuse", { clusterIP: "10.100.0.59" }));

  await cp.stop();
  cp = await startControlPlane({ dataDir: cp.dataDir, port: cp.port, env: { GANTRY_CONTROLLERS: "off", GANTRY_SERVICE_CIDR: SERVICE_CIDR } });
  assert.match(await fails(["create", "-f", "-"], service("after", { clusterIP: "10.100.0.60" })), /provided IP is already allocated/);
  const fresh = JSON.parse(await ok(["create", "-f", "-", "-o", "json"], service("after", {})));
  const held = JSON.parse(await ok(["get", "svc", "-o", "json"])).items.filter((s: { metadata: { name: string } }) => s.metadata.name !== "after").map((s: { spec: { clusterIP: string } }) => s.spec.clusterIP);
  assert.ok(!held.includes(fresh.spec.clusterIP), `${fresh.spec.clusterIP} was not held by another`);
});

test("headless Services get no address; ClientIP affinity defaults its timeout to 10800 s", async () => {
  await ok(["create", "-f", "-"], service("headless", { clusterIP: "None" }));
  const h = await getSvc("headless");
  assert.deepEqual([h.spec.clusterIP, h.spec.clusterIPs, h.spec.ipFamilyPolicy], ["None", ["None"], "SingleStack"]);
  await ok(["create", "-f", "-"], service("sticky", { sessionAffinity: "ClientIP" }));
  assert.deepEqual((await getSvc("sticky")).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  assert.match(
    await fails(["create", "-f", "-"], service("sticky2", { sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } })),
    /spec\.sessionAffinityConfig\.clientIP\.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400/,
  );
});

test("NodePort Services get a node port per port from 30000-32767; one out of range or taken is refused naming spec.ports[i].nodePort", async () => {
  await ok(["create", "service", "nodeport", "np", "--tcp=80:8080,443:8443"]);
  const np = await getSvc("np");
  const ports = np.spec.ports.map((p: { nodePort: number }) => p.nodePort);
  assert.ok(ports.every((p: number) => p >= 30000 && p <= 32767) && ports[0] !== ports[1], `node ports ${ports}`);
  assert.match(await ok(["get", "svc", "np"]), new RegExp(`80:${ports[0]}/TCP,443:${ports[1]}/TCP`));

  const two = (nodePort: number) => service("np2", { type: "NodePort", ports: [{ name: "a", port: 80 }, { name: "b", port: 81, nodePort }] });
  assert.match(await fails(["create", "-f", "-"], two(ports[1])), new RegExp(`spec\\.ports\\[1\\]\\.nodePort: Invalid value: ${ports[1]}: provided port is already allocated`));
  assert.match(await fails(["create", "-f", "-"], two(80)), /spec\.ports\[1\]\.nodePort: Invalid value: 80: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
  assert.match(await fails(["get", "svc", "np2"]), /NotFound/);
  // The node ports the refused creates picked for port "a" were given back with them: np's two are all that is held.
  const r = await raw.request("POST", "/api/v1/namespaces/default/services", JSON.parse(two(31999)));
  assert.equal(r.status, 201);
  assert.equal(r.body.spec.ports[1].nodePort, 31999);

  // Back to ClusterIP: the node ports go (and can be taken by another).
  await ok(["patch", "svc", "np", "--type=merge", "-p", '{"spec":{"type":"ClusterIP"}}']);
  assert.deepEqual((await getSvc("np")).spec.ports.map((p: { nodePort?: number }) => p.nodePort), [undefined, undefined]);
  await ok(["create", "-f", "-"], service("np3", { type: "NodePort", ports: [{ port: 80, nodePort: ports[0] }] }));
});
