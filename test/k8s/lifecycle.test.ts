// How objects end, through the real kubectl: finalizers hold an object (deletionTimestamp set) until they are removed;
// ownerReferences are garbage-collected in the background (the default), in the foreground (the owner waits for its
// dependents) or orphaned (kubectl delete --cascade=orphan); a pod bound to a node is deleted gracefully and stays
// Terminating until it is deleted with grace 0. No controller runs here: the dependents are made by hand, as a
// ReplicaSet's controller would make them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, userSession } from "../support/session";
import { kapi, kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "./support";

let cp: ControlPlane;
let ep: KubeEndpoint;
let k: Kube;
let raw: ReturnType<typeof kapi>;
const systemFetch = globalThis.fetch;

before(async () => {
  // The API's own behaviour, without the scheduler and controllers acting on the objects (test/orchestration has them).
  cp = await startControlPlane({ tls: true, env: { GANTRY_CONTROLLERS: "off" } });
  globalThis.fetch = cp.fetch;
  ep = await kubeEndpoint(cp);
  const owner = await setupOwner(cp);
  const cookie = await signIn(cp, owner.email, owner.password);
  const token = await mintToken(cp, (await userSession(cp, cookie, "operator")).cookie);
  k = kube(ep, token);
  raw = kapi(ep, token);
});

after(async () => {
  globalThis.fetch = systemFetch;
  await ep?.close();
  await cp?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

let nsCounter = 0;
async function namespace(): Promise<string> {
  const ns = `l${process.pid}-${++nsCounter}`;
  await ok(["create", "namespace", ns]);
  return ns;
}

const names = async (ns: string, kind: string) => (await ok(["get", kind, "-n", ns, "-o", "jsonpath={.items[*].metadata.name}"])).split(" ").filter(Boolean).sort();
const json = async (ns: string, what: string) => JSON.parse(await ok(["get", what, "-n", ns, "-o", "json"]));
const exists = async (ns: string, what: string) => (await k.run(["get", what, "-n", ns, "-o", "name"])).code === 0;

/** A ReplicaSet and pods owned by it, as its controller would make them (`bound`: placed on a node, so deleted gracefully). */
async function replicaSetWithPods(ns: string, name: string, pods: Array<{ name: string; bound?: boolean }>): Promise<string> {
  await ok(["apply", "-n", ns, "-f", "-"], JSON.stringify({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name },
    spec: { replicas: pods.length, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
  }));
  const uid = (await json(ns, `rs/${name}`)).metadata.uid as string;
  for (const p of pods) {
    await ok(["create", "-n", ns, "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: p.name, labels: { app: name }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name, uid, controller: true, blockOwnerDeletion: true }] },
      spec: { ...(p.bound ? { nodeName: "host-a" } : {}), containers: [{ name: "c", image: "busybox" }] },
    }));
  }
  return uid;
}

test("metadata.generation counts spec changes, not status or metadata ones, and moves when deletion starts", async () => {
  const ns = await namespace();
  await replicaSetWithPods(ns, "gen", []);
  const gen = async () => (await json(ns, "rs/gen")).metadata.generation;
  assert.equal(await gen(), 1);
  await ok(["label", "rs", "gen", "-n", ns, "tier=a"]);
  assert.equal(await gen(), 1, "labels are not the spec");
  await ok(["scale", "rs", "gen", "-n", ns, "--replicas=3"]);
  assert.equal(await gen(), 2);
  const cur = (await raw.request("GET", `/apis/apps/v1/namespaces/${ns}/replicasets/gen`)).body;
  await raw.request("PUT", `/apis/apps/v1/namespaces/${ns}/replicasets/gen/status`, { ...cur, status: { replicas: 3, observedGeneration: 2 } });
  assert.equal(await gen(), 2, "status is not the spec");
  await ok(["patch", "rs", "gen", "-n", ns, "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}']);
  await ok(["delete", "rs", "gen", "-n", ns, "--wait=false"]);
  assert.equal(await gen(), 3);
  await ok(["patch", "rs", "gen", "-n", ns, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
  assert.equal(await exists(ns, "rs/gen"), false);
});

test("finalizers: the object is marked for deletion and stays, no finalizer may be added, and it goes with the last one", async () => {
  const ns = await namespace();
  await ok(["apply", "-n", ns, "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", finalizers: ["example.com/a", "example.com/b"] }, data: { k: "v" } }));
  assert.match(await ok(["delete", "cm", "held", "-n", ns, "--wait=false"]), /configmap "held" deleted/);
  const held = await json(ns, "cm/held");
  assert.match(held.metadata.deletionTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(held.metadata.deletionGracePeriodSeconds, 0);
  // Deleting again changes nothing; adding a finalizer is refused; removing one keeps it; removing the last removes it.
  await ok(["delete", "cm", "held", "-n", ns, "--wait=false"]);
  assert.equal((await json(ns, "cm/held")).metadata.resourceVersion, held.metadata.resourceVersion);
  const added = await k.run(["patch", "cm", "held", "-n", ns, "--type=json", "-p", '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/c"}]']);
  assert.match(added.stderr, /metadata\.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers \[\]string\{"example\.com\/c"\}/);
  await ok(["patch", "cm", "held", "-n", ns, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers/0"}]']);
  assert.deepEqual((await json(ns, "cm/held")).metadata.finalizers, ["example.com/b"]);
  const watch = raw.watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&fieldSelector=metadata.name=held`);
  try {
    await ok(["patch", "cm", "held", "-n", ns, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await watch.waitFor((e) => e.type === "DELETED", 10_000, "the DELETED event");
  } finally {
    watch.close();
  }
  assert.equal(await exists(ns, "cm/held"), false);
});

test("background cascade (the default): the owner goes at once, its dependents after it; a dependent whose owner never existed goes too", async () => {
  const ns = await namespace();
  await replicaSetWithPods(ns, "bg", [{ name: "bg-1" }, { name: "bg-2" }]);
  await ok(["create", "-n", ns, "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "kept", labels: { app: "bg" } },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  }));
  assert.match(await ok(["delete", "rs", "bg", "-n", ns]), /replicaset\.apps "bg" deleted/);
  await until(async () => (await names(ns, "pods")).join() === "kept", 10_000, "the ReplicaSet's pods to be collected");
  // An object whose owner is not there at all is collected as well.
  await ok(["create", "-n", ns, "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "ConfigMap",
    metadata: { name: "stray", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "ghost", uid: "6a1f1a4e-0000-4000-8000-000000000000" }] },
  }));
  await until(async () => !(await exists(ns, "cm/stray")), 10_000, "the ConfigMap owned by nothing to be collected");
});

test("kubectl delete --cascade=orphan: the owner goes, its dependents stay without their reference to it", async () => {
  const ns = await namespace();
  const uid = await replicaSetWithPods(ns, "orph", [{ name: "orph-1" }, { name: "orph-2" }]);
  // A second owner's reference survives the orphaning.
  await ok(["create", "configmap", "other", "-n", ns]);
  const otherUid = (await json(ns, "cm/other")).metadata.uid;
  await ok(["patch", "pod", "orph-2", "-n", ns, "--type=json", "-p", JSON.stringify([{ op: "add", path: "/metadata/ownerReferences/-", value: { apiVersion: "v1", kind: "ConfigMap", name: "other", uid: otherUid } }])]);

  assert.match(await ok(["delete", "rs", "orph", "-n", ns, "--cascade=orphan"]), /replicaset\.apps "orph" deleted/);
  assert.equal(await exists(ns, "rs/orph"), false, "kubectl waited for the ReplicaSet to go");
  assert.deepEqual(await names(ns, "pods"), ["orph-1", "orph-2"]);
  const pods = (await json(ns, "pods")).items as Array<{ metadata: { name: string; ownerReferences?: Array<{ uid: string }> } }>;
  assert.equal(pods.find((p) => p.metadata.name === "orph-1")!.metadata.ownerReferences, undefined);
  assert.deepEqual(pods.find((p) => p.metadata.name === "orph-2")!.metadata.ownerReferences!.map((r) => r.uid), [otherUid]);
  assert.ok(!JSON.stringify(pods).includes(uid));
});

test("foreground cascade: the owner is marked and waits (foregroundDeletion) until its blocking dependents are gone", async () => {
  const ns = await namespace();
  await replicaSetWithPods(ns, "fg", [{ name: "fg-1", bound: true }, { name: "fg-2" }]);
  await ok(["delete", "rs", "fg", "-n", ns, "--cascade=foreground", "--wait=false"]);
  // The unbound pod goes at once; the bound one is deleted gracefully and holds its owner.
  await until(async () => (await names(ns, "pods")).join() === "fg-1", 10_000, "the unbound pod to go");
  const owner = await json(ns, "rs/fg");
  assert.ok(owner.metadata.deletionTimestamp);
  assert.deepEqual(owner.metadata.finalizers, ["foregroundDeletion"]);
  const pod = await json(ns, "pod/fg-1");
  assert.ok(pod.metadata.deletionTimestamp);
  assert.match(await ok(["get", "pod", "fg-1", "-n", ns]), /Terminating/);
  // The pod's node reports its containers gone: the pod is deleted with grace 0, then its owner goes.
  await ok(["delete", "pod", "fg-1", "-n", ns, "--grace-period=0", "--force"]);
  await until(async () => !(await exists(ns, "rs/fg")), 10_000, "the ReplicaSet to go after its pods");
});

test("graceful pod deletion: a bound pod is Terminating with its grace period until deleted with grace 0; unbound or finished pods go at once", async () => {
  const ns = await namespace();
  const pod = (name: string, extra: object = {}) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], ...extra } });
  await ok(["create", "-n", ns, "-f", "-"], pod("bound", { nodeName: "host-a", terminationGracePeriodSeconds: 45 }));
  await ok(["create", "-n", ns, "-f", "-"], pod("unbound"));
  await ok(["create", "-n", ns, "-f", "-"], pod("done", { nodeName: "host-a" }));
  const cur = (await raw.request("GET", `/api/v1/namespaces/${ns}/pods/done`)).body;
  await raw.request("PUT", `/api/v1/namespaces/${ns}/pods/done/status`, { ...cur, status: { ...cur.status, phase: "Succeeded" } });

  const before = Date.now();
  await ok(["delete", "pod", "bound", "-n", ns, "--wait=false"]);
  let p = await json(ns, "pod/bound");
  assert.equal(p.metadata.deletionGracePeriodSeconds, 45, "the pod's own terminationGracePeriodSeconds");
  const at = Date.parse(p.metadata.deletionTimestamp);
  assert.ok(at >= Math.floor(before / 1000) * 1000 + 44_000 && at <= Date.now() + 46_000, `deletionTimestamp ${p.metadata.deletionTimestamp} is now + 45 s`);
  assert.match(await ok(["get", "pod", "bound", "-n", ns]), /bound\s+0\/1\s+Terminating/);
  // A second delete may shorten the grace period, never lengthen it.
  await ok(["delete", "pod", "bound", "-n", ns, "--grace-period=5", "--wait=false"]);
  assert.equal((await json(ns, "pod/bound")).metadata.deletionGracePeriodSeconds, 5);
  await ok(["delete", "pod", "bound", "-n", ns, "--grace-period=60", "--wait=false"]);
  p = await json(ns, "pod/bound");
  assert.equal(p.metadata.deletionGracePeriodSeconds, 5);
  // Time passing does not remove it: its node does, by deleting it with grace 0.
  assert.equal(await exists(ns, "pod/bound"), true);
  assert.match(await ok(["delete", "pod", "bound", "-n", ns, "--grace-period=0", "--force"]), /force deleted/);
  assert.equal(await exists(ns, "pod/bound"), false);

  await ok(["delete", "pod", "unbound", "done", "-n", ns, "--wait=false"]);
  assert.deepEqual(await names(ns, "pods"), [], "an unbound pod and a finished one have nothing to wait for");
});
