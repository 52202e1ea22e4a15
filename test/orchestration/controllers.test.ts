// The scheduler and the controllers running in process against a real PostgreSQL (the Kubernetes API's own store and
// change feed, the system client), with hosts as rows of the Host table and no agents: what the control plane decides.
// Pods are marked Ready through the status subresource here, standing for the agent that would report them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startKubeStore, until } from "../k8s/support";
import { insertHosts, setHostStatus } from "./support";
import type { SystemClient } from "@/lib/k8s/system-client";
import type { KubeObject } from "@/lib/k8s/meta";
import type { Controllers } from "@/lib/orchestration/start-controllers";

let store: Awaited<ReturnType<typeof startKubeStore>>;
let client: SystemClient;
let controllers: Controllers;
let hostIds: number[];
const tag = `o${process.pid}`;
const nodeA = `${tag}-a`;
const nodeB = `${tag}-b`;
let startControllers: typeof import("@/lib/orchestration/start-controllers").startControllers;

before(async () => {
  store = await startKubeStore();
  client = (await import("@/lib/k8s/system-client")).systemClient("test");
  startControllers = (await import("@/lib/orchestration/start-controllers")).startControllers;
  hostIds = await insertHosts([nodeA, nodeB], { cpus: 2, memoryGi: 4 });
  controllers = await startControllers({ nodeSyncIntervalMs: 200 });
  await until(async () => (await client.list("nodes")).items.filter((n) => ready(n)).length === 2, 10_000, "two Ready nodes");
});

after(async () => {
  await controllers?.stop();
  await store?.stop();
});

const ready = (n: KubeObject) => ((n.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
let nsCount = 0;
async function namespace(): Promise<string> {
  const ns = `${tag}-${++nsCount}`;
  await client.create("namespaces", "", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  return ns;
}
const podsOf = async (ns: string, selector?: string) => (await client.list("pods", { namespace: ns, labelSelector: selector })).items;
const active = (pods: KubeObject[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const nodeOf = (p: KubeObject) => (p.spec as { nodeName?: string }).nodeName;

/** A read-modify-write as a user's client does it: again on a 409 (the controllers write the same objects). */
async function change(resource: string, ns: string, name: string, edit: (o: KubeObject) => KubeObject): Promise<void> {
  for (let i = 0; ; i++) {
    const cur = (await client.get(resource, ns, name))!;
    try {
      await client.update(resource, ns, edit(cur));
      return;
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || i >= 10) throw e;
    }
  }
}

/** Marks a pod Running and Ready, as its agent would report it. */
async function markReady(p: KubeObject): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const cur = await client.get("pods", p.metadata.namespace!, p.metadata.name!);
    if (!cur) return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const conditions = [
      { type: "PodScheduled", status: "True", lastTransitionTime: now },
      { type: "Ready", status: "True", lastTransitionTime: now },
    ];
    try {
      await client.updateStatus("pods", cur.metadata.namespace!, { ...cur, status: { ...(cur.status as object), phase: "Running", conditions } });
      return;
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
  }
}

function replicaSet(name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox:1.36", resources: { requests: { cpu: "100m", memory: "64Mi" } } }], ...extra } },
    },
  };
}

test("every host is a Node: labels, capacity and Ready from its heartbeat, unreachable taints when it stops", async () => {
  const node = (await client.get("nodes", "", nodeA))!;
  assert.equal(node.metadata.labels!["kubernetes.io/hostname"], nodeA);
  assert.equal(node.metadata.labels!["gantry.dev/host-id"], String(hostIds[0]));
  assert.deepEqual((node.status as { allocatable: unknown }).allocatable, { pods: "110", cpu: "2", memory: `${4 * 1024 * 1024}Ki`, "ephemeral-storage": `${100 * 1024 * 1024}Ki` });
  assert.equal((node.spec as { taints?: unknown[] }).taints, undefined);

  const extra = `${tag}-gone`;
  const [id] = await insertHosts([extra], { status: "stale" });
  await until(async () => {
    const n = await client.get("nodes", "", extra);
    return !!n && JSON.stringify((n.spec as { taints?: unknown[] }).taints ?? []).includes("node.kubernetes.io/unreachable");
  }, 5000, "the stale host's node tainted unreachable");
  const stale = (await client.get("nodes", "", extra))!;
  const taints = (stale.spec as { taints: Array<{ key: string; effect: string; timeAdded?: string }> }).taints;
  assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`).sort(), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
  assert.ok(taints.find((t) => t.effect === "NoExecute")!.timeAdded, "NoExecute taints carry their time");
  assert.equal((stale.status as { conditions: Array<{ status: string }> }).conditions[0]!.status, "Unknown");
  // Back online: the taints go; revoked: the Node goes.
  await setHostStatus(id!, "online");
  await until(async () => !(await client.get("nodes", "", extra))!.spec || !((await client.get("nodes", "", extra))!.spec as { taints?: unknown[] }).taints, 5000, "taints removed");
  const { db } = await import("@/lib/db");
  await db.host.update({ where: { id: id! }, data: { revokedAt: new Date() } });
  await until(async () => !(await client.get("nodes", "", extra)), 5000, "the revoked host's node removed");
});

test("a ReplicaSet gets exactly its replicas, spread over both nodes; a deleted pod is replaced; scaling down removes extras", async () => {
  const ns = await namespace();
  const rs = await client.create("apps/replicasets", ns, replicaSet("web", 4));
  await until(async () => (await podsOf(ns)).filter(nodeOf).length === 4, 10_000, "4 pods bound");
  const pods = await podsOf(ns);
  assert.equal(pods.length, 4);
  for (const p of pods) {
    assert.match(p.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal((p.status as { conditions: Array<{ type: string; status: string }> }).conditions.find((c) => c.type === "PodScheduled")?.status, "True");
  }
  assert.deepEqual(pods.map(nodeOf).sort(), [nodeA, nodeA, nodeB, nodeB]);
  // Events are written beside the work, not before it goes on.
  await until(async () => {
    const events = (await client.list("events", { namespace: ns })).items;
    return events.filter((e) => e.reason === "Scheduled").length === 4 && events.filter((e) => e.reason === "SuccessfulCreate").length === 4;
  }, 5000, "4 Scheduled and 4 SuccessfulCreate events");

  await client.delete("pods", ns, pods[0]!.metadata.name!);
  await until(async () => {
    const now = active(await podsOf(ns));
    return now.length === 4 && !now.some((p) => p.metadata.uid === pods[0]!.metadata.uid) && now.every(nodeOf);
  }, 10_000, "the deleted pod replaced and bound");

  await change("apps/replicasets", ns, "web", (cur) => ({ ...cur, spec: { ...(cur.spec as object), replicas: 1 } }));
  await until(async () => active(await podsOf(ns)).length === 1, 10_000, "scaled to 1");
  await until(async () => {
    const s = (await client.get("apps/replicasets", ns, "web"))!.status as { replicas?: number; observedGeneration?: number };
    return s.replicas === 1 && s.observedGeneration === 2;
  }, 5000, "status replicas 1 at generation 2");
});

test("a pod no node fits stays Pending: PodScheduled False and a FailedScheduling event in kube-scheduler's words", async () => {
  const ns = await namespace();
  await client.create("pods", ns, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "huge" },
    spec: { containers: [{ name: "c", image: "busybox:1.36", resources: { requests: { cpu: "3" } } }] },
  });
  const want = "0/2 nodes are available: 2 Insufficient cpu.";
  await until(async () => (await client.list("events", { namespace: ns })).items.some((e) => e.reason === "FailedScheduling"), 10_000, "FailedScheduling");
  const ev = (await client.list("events", { namespace: ns })).items.find((e) => e.reason === "FailedScheduling")!;
  assert.equal(ev.type, "Warning");
  assert.equal(ev.message, want);
  await until(async () => {
    const p = (await client.get("pods", ns, "huge"))!;
    const c = (p.status as { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> }).conditions?.find((x) => x.type === "PodScheduled");
    return c?.status === "False" && c.reason === "Unschedulable" && c.message === want;
  }, 5000, "PodScheduled False");
  assert.equal(nodeOf((await client.get("pods", ns, "huge"))!), undefined);
});

test("a Deployment rolls out: a ReplicaSet per template, the new one grows as pods become ready and the old one shrinks", async () => {
  const ns = await namespace();
  const template = (image: string) => ({ metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "c", image }] } });
  await client.create("apps/deployments", ns, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api" },
    spec: { replicas: 3, selector: { matchLabels: { app: "api" } }, template: template("busybox:1.36"), strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
  });
  const readyAll = async () => {
    for (const p of active(await podsOf(ns))) if (nodeOf(p) && !(p.status as { conditions?: Array<{ type: string }> }).conditions?.some((c) => c.type === "Ready")) await markReady(p);
  };
  await until(async () => {
    await readyAll();
    const d = (await client.get("apps/deployments", ns, "api"))!;
    return (d.status as { availableReplicas?: number }).availableReplicas === 3;
  }, 15_000, "3 available");
  const first = (await client.list("apps/replicasets", { namespace: ns })).items;
  assert.equal(first.length, 1);
  assert.match(first[0]!.metadata.name!, /^api-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(first[0]!.metadata.annotations!["deployment.kubernetes.io/revision"], "1");
  let d = (await client.get("apps/deployments", ns, "api"))!;
  assert.equal(d.metadata.annotations!["deployment.kubernetes.io/revision"], "1");
  const conds = (d.status as { conditions: Array<{ type: string; status: string; reason: string }> }).conditions;
  assert.deepEqual(conds.map((c) => [c.type, c.status, c.reason]).sort(), [["Available", "True", "MinimumReplicasAvailable"], ["Progressing", "True", "NewReplicaSetAvailable"]]);

  // A new image: a second ReplicaSet; with maxUnavailable 0 the old one only shrinks as new pods become ready.
  await change("apps/deployments", ns, "api", (d) => ({ ...d, spec: { ...(d.spec as object), template: template("busybox:1.37") } }));
  let sawSurge = false;
  await until(async () => {
    const sets = (await client.list("apps/replicasets", { namespace: ns })).items;
    const total = sets.reduce((n, rs) => n + ((rs.spec as { replicas: number }).replicas ?? 0), 0);
    assert.ok(total <= 4, `never more than replicas + maxSurge: ${total}`);
    if (total === 4) sawSurge = true;
    const availableNow = active(await podsOf(ns)).filter((p) => (p.status as { conditions?: Array<{ type: string; status: string }> }).conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    assert.ok(availableNow >= 3 || sets.length < 2, `never fewer than 3 ready: ${availableNow}`);
    await readyAll();
    const cur = (await client.get("apps/deployments", ns, "api"))!;
    const s = cur.status as { updatedReplicas?: number; replicas?: number; availableReplicas?: number; observedGeneration?: number };
    return s.observedGeneration === cur.metadata.generation && s.updatedReplicas === 3 && s.replicas === 3 && s.availableReplicas === 3;
  }, 20_000, "the rollout to finish");
  assert.ok(sawSurge, "the new ReplicaSet was given a pod before the old one lost one");
  const sets = (await client.list("apps/replicasets", { namespace: ns })).items;
  const byRev = Object.fromEntries(sets.map((rs) => [rs.metadata.annotations!["deployment.kubernetes.io/revision"], (rs.spec as { replicas: number }).replicas]));
  assert.deepEqual(byRev, { "1": 0, "2": 3 });
  assert.equal((await client.get("apps/deployments", ns, "api"))!.metadata.annotations!["deployment.kubernetes.io/revision"], "2");
});

test("a ReplicaSet adopts a matching orphan and releases a pod whose labels stop matching", async () => {
  const ns = await namespace();
  const orphan = await client.create("pods", ns, { apiVersion: "v1", kind: "Pod", metadata: { name: "stray", labels: { app: "adopt" } }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } });
  const rs = await client.create("apps/replicasets", ns, replicaSet("adopt", 2));
  await until(async () => active(await podsOf(ns)).length === 2, 10_000, "2 pods");
  await until(async () => JSON.stringify((await client.get("pods", ns, "stray"))!.metadata.ownerReferences ?? []).includes(rs.metadata.uid!), 5000, "the orphan adopted");
  assert.equal((await podsOf(ns)).length, 2, "one made, the orphan counted");
  await change("pods", ns, "stray", (stray) => ({ ...stray, metadata: { ...stray.metadata, labels: { app: "other" } } }));
  await until(async () => !(await client.get("pods", ns, "stray"))!.metadata.ownerReferences, 5000, "the pod released");
  await until(async () => active(await podsOf(ns, "app=adopt")).length === 2, 10_000, "a replacement for the released pod");
  assert.equal(orphan.metadata.uid, (await client.get("pods", ns, "stray"))!.metadata.uid, "the released pod is left alone");
});

test("a Recreate Deployment removes every old pod before it makes a new one", async () => {
  const ns = await namespace();
  const template = (image: string) => ({ metadata: { labels: { app: "re" } }, spec: { terminationGracePeriodSeconds: 30, containers: [{ name: "c", image }] } });
  await client.create("apps/deployments", ns, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "re" },
    spec: { replicas: 2, selector: { matchLabels: { app: "re" } }, template: template("busybox:1.36"), strategy: { type: "Recreate" } },
  });
  await until(async () => active(await podsOf(ns)).filter(nodeOf).length === 2, 10_000, "2 pods bound");
  await change("apps/deployments", ns, "re", (d) => ({ ...d, spec: { ...(d.spec as object), template: template("busybox:1.37") } }));
  // The old pods are bound: their deletion waits for their (absent) agent, and the new ReplicaSet waits for them.
  await until(async () => (await podsOf(ns)).every((p) => p.metadata.deletionTimestamp), 10_000, "the old pods terminating");
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await client.list("apps/replicasets", { namespace: ns })).items.length, 1, "no new ReplicaSet while old pods remain");
  // Their host confirms they stopped (what the agent's report does): they go, and the new ones come.
  for (const p of await podsOf(ns)) await client.delete("pods", ns, p.metadata.name!, { gracePeriodSeconds: 0 });
  await until(async () => {
    const pods = active(await podsOf(ns));
    return pods.length === 2 && pods.every((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]!.image === "busybox:1.37");
  }, 10_000, "2 new pods");
  const sets = (await client.list("apps/replicasets", { namespace: ns })).items;
  assert.deepEqual(sets.map((rs) => (rs.spec as { replicas: number }).replicas).sort(), [0, 2]);
});

test("a Deployment that makes no progress within progressDeadlineSeconds is Progressing False, ProgressDeadlineExceeded", async () => {
  const ns = await namespace();
  await client.create("apps/deployments", ns, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "stuck" },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 2,
      selector: { matchLabels: { app: "stuck" } },
      template: { metadata: { labels: { app: "stuck" } }, spec: { containers: [{ name: "c", image: "busybox:1.36", resources: { requests: { cpu: "64" } } }] } },
    },
  });
  await until(async () => {
    const c = ((await client.get("apps/deployments", ns, "stuck"))!.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> }).conditions?.find((x) => x.type === "Progressing");
    return c?.status === "False" && c.reason === "ProgressDeadlineExceeded" && /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/.test(c.message);
  }, 10_000, "ProgressDeadlineExceeded");
});

test("pods on a host that stops beating are evicted after their tolerationSeconds and come back on the other node", async () => {
  const ns = await namespace();
  const tolerations = [
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 },
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 },
  ];
  await client.create("apps/replicasets", ns, replicaSet("evict", 2, { tolerations }));
  await until(async () => active(await podsOf(ns)).filter(nodeOf).length === 2, 10_000, "2 pods bound");
  const onB = active(await podsOf(ns)).filter((p) => nodeOf(p) === nodeB);
  assert.equal(onB.length, 1, "spread: one on each node");
  const lostAt = Date.now();
  await setHostStatus(hostIds[1]!, "stale");
  try {
    await until(async () => {
      const now = active(await podsOf(ns));
      return now.length === 2 && now.every((p) => nodeOf(p) === nodeA);
    }, 15_000, "both pods on the node still Ready");
    const waited = Date.now() - lostAt;
    assert.ok(waited >= 2000, `evicted after the 2 s toleration, not before (${waited} ms)`);
    const evicted = (await client.list("events", { namespace: ns })).items.filter((e) => e.reason === "TaintManagerEviction");
    assert.equal(evicted.length, 1);
    assert.equal((evicted[0]!.involvedObject as { name: string }).name, onB[0]!.metadata.name);
  } finally {
    await setHostStatus(hostIds[1]!, "online");
    await until(async () => ready((await client.get("nodes", "", nodeB))!), 5000, "node b Ready again");
  }
});

test("the controllers resume after a restart from a list and watch, without touching pods that are fine", async () => {
  const ns = await namespace();
  await client.create("apps/replicasets", ns, replicaSet("steady", 3));
  await until(async () => active(await podsOf(ns)).filter(nodeOf).length === 3, 10_000, "3 pods bound");
  const before = (await podsOf(ns)).map((p) => `${p.metadata.uid}@${p.metadata.resourceVersion}`).sort();
  await controllers.stop();
  // While they are down: the ReplicaSet is scaled up and a pod is deleted.
  await change("apps/replicasets", ns, "steady", (rs) => ({ ...rs, spec: { ...(rs.spec as object), replicas: 4 } }));
  controllers = await startControllers({ nodeSyncIntervalMs: 200 });
  await until(async () => active(await podsOf(ns)).filter(nodeOf).length === 4, 10_000, "the missing pod made after the restart");
  const after = (await podsOf(ns)).map((p) => `${p.metadata.uid}@${p.metadata.resourceVersion}`);
  for (const p of before) assert.ok(after.includes(p), `pod ${p} untouched`);
});

test("leader election: one replica leads; when it goes, another takes over", async () => {
  const { startLeaderElection } = await import("@/lib/orchestration/leader-election");
  const key = BigInt(Math.floor(Math.random() * 1e12));
  const led: string[] = [];
  const make = (name: string) =>
    startLeaderElection({
      connectionString: store.databaseUrl,
      lockKey: key,
      retryMs: 100,
      async lead() {
        led.push(`+${name}`);
        return async () => void led.push(`-${name}`);
      },
    });
  const one = make("one");
  await until(() => one.isLeader(), 5000, "one leads");
  const two = make("two");
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(!two.isLeader(), "two waits while one holds the lock");
  await one.stop();
  await until(() => two.isLeader(), 5000, "two takes over");
  await two.stop();
  assert.deepEqual(led, ["+one", "-one", "+two", "-two"]);
});
