// What a ReplicaSet/ReplicationController must do, pure (lib/orchestration/replica-plan.ts): exactly N active pods it
// owns — orphans that match adopted, owned pods that stopped matching released, missing ones created, extras deleted
// least valuable first — and the status counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planReplicas, podFromTemplate, podsToDelete } from "@/lib/orchestration/replica-plan";
import type { Pod, ReplicaSetLike } from "@/lib/orchestration/objects";

const NOW = Date.parse("2026-01-01T00:10:00Z");
const at = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function rs(o: { replicas?: number; uid?: string; minReadySeconds?: number; generation?: number; deleting?: boolean } = {}): ReplicaSetLike {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: "ns", uid: o.uid ?? "rs-uid", generation: o.generation ?? 2, ...(o.deleting ? { deletionTimestamp: at(0) } : {}) },
    spec: {
      replicas: o.replicas ?? 3,
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web", tier: "front" }, annotations: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
    },
  };
}

let n = 0;
function pod(o: { labels?: Record<string, string>; owner?: string | null; node?: string; phase?: string; readySince?: number; created?: number; deleting?: boolean; restarts?: number; cost?: string } = {}): Pod {
  const name = `web-${++n}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      uid: `pod-${n}`,
      creationTimestamp: at(o.created ?? 100),
      labels: o.labels ?? { app: "web", tier: "front" },
      ...(o.owner === null ? {} : { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: o.owner ?? "rs-uid", controller: true }] }),
      ...(o.deleting ? { deletionTimestamp: at(0) } : {}),
      ...(o.cost !== undefined ? { annotations: { "controller.kubernetes.io/pod-deletion-cost": o.cost } } : {}),
    },
    spec: { ...(o.node ? { nodeName: o.node } : {}), containers: [{ name: "c" }] },
    status: {
      phase: (o.phase ?? (o.node ? "Running" : "Pending")) as "Running",
      ...(o.readySince !== undefined ? { conditions: [{ type: "Ready", status: "True", lastTransitionTime: at(o.readySince) }] } : {}),
      ...(o.restarts ? { containerStatuses: [{ name: "c", restartCount: o.restarts }] } : {}),
    },
  };
}

test("missing replicas are created; the status counts what it owns, ready and available", () => {
  const pods = [pod({ node: "a", readySince: 60 }), pod({ node: "b", readySince: 5 })];
  const plan = planReplicas(rs({ replicas: 3, minReadySeconds: 10 }), pods, NOW);
  assert.equal(plan.create, 1);
  assert.deepEqual(plan.remove, []);
  assert.deepEqual(plan.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 });
  assert.equal(plan.recheckAt, NOW + 5000, "looks again when the second pod has been ready minReadySeconds");
});

test("orphans that match are adopted, owned pods that stopped matching released, others' pods left alone", () => {
  const orphan = pod({ owner: null, node: "a" });
  const strayed = pod({ labels: { app: "db" } });
  const foreign = pod({ owner: "other-uid" });
  const unrelated = pod({ owner: null, labels: { app: "db" } });
  const finished = pod({ owner: null, phase: "Succeeded", node: "a" });
  const plan = planReplicas(rs({ replicas: 1 }), [orphan, strayed, foreign, unrelated, finished], NOW);
  assert.deepEqual(plan.adopt.map((p) => p.metadata.name), [orphan.metadata.name]);
  assert.deepEqual(plan.release.map((p) => p.metadata.name), [strayed.metadata.name]);
  assert.equal(plan.create, 0);
  assert.equal(plan.status.replicas, 1);
  const deleting = planReplicas(rs({ replicas: 1, deleting: true }), [orphan, strayed], NOW);
  assert.deepEqual([deleting.adopt, deleting.release, deleting.create, deleting.remove], [[], [], 0, []], "a ReplicaSet being deleted claims nothing and scales nothing");
});

test("pods being deleted or finished do not count; fullyLabeledReplicas needs every template label", () => {
  const pods = [pod({ deleting: true, node: "a" }), pod({ phase: "Failed", node: "a" }), pod({ labels: { app: "web" }, node: "b" })];
  const plan = planReplicas(rs({ replicas: 2 }), pods, NOW);
  assert.equal(plan.create, 1);
  assert.equal(plan.status.replicas, 1);
  assert.equal(plan.status.fullyLabeledReplicas, 0);
});

test("extras are deleted least valuable first: unscheduled, pending, not ready, cheap, doubled up, newly ready, restarted, newest", () => {
  const unscheduled = pod();
  const pending = pod({ node: "a", phase: "Pending" });
  const notReady = pod({ node: "a" });
  const cheap = pod({ node: "c", readySince: 500, cost: "-10" });
  const doubledUp = pod({ node: "b", readySince: 500 });
  const alsoB = pod({ node: "b", readySince: 500 });
  const lonely = pod({ node: "d", readySince: 500 });
  const order = podsToDelete([lonely, alsoB, doubledUp, cheap, notReady, pending, unscheduled], 7);
  assert.deepEqual(order.slice(0, 4).map((p) => p.metadata.name), [unscheduled, pending, notReady, cheap].map((p) => p.metadata.name));
  assert.ok(order.indexOf(doubledUp) < order.indexOf(lonely) && order.indexOf(alsoB) < order.indexOf(lonely), "two on one node go before one alone");

  const recent = pod({ node: "x", readySince: 10 });
  const old = pod({ node: "y", readySince: 400 });
  assert.deepEqual(podsToDelete([old, recent], 1), [recent], "ready for less time goes first");
  const flaky = pod({ node: "x", readySince: 400, restarts: 5 });
  const steady = pod({ node: "y", readySince: 400 });
  assert.deepEqual(podsToDelete([steady, flaky], 1), [flaky]);
  const newer = pod({ node: "x", readySince: 400, created: 50 });
  const older = pod({ node: "y", readySince: 400, created: 500 });
  assert.deepEqual(podsToDelete([older, newer], 1), [newer]);

  const plan = planReplicas(rs({ replicas: 1 }), [lonely, unscheduled], NOW);
  assert.deepEqual(plan.remove, [unscheduled]);
});

test("a pod made from the template: generateName, labels, annotations, spec, and the controller's reference", () => {
  const p = podFromTemplate(rs());
  assert.equal(p.metadata.generateName, "web-");
  assert.equal(p.metadata.namespace, "ns");
  assert.deepEqual(p.metadata.labels, { app: "web", tier: "front" });
  assert.deepEqual(p.metadata.annotations, { a: "b" });
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs-uid", controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(p.spec, { containers: [{ name: "c", image: "nginx" }] });
});

test("a ReplicationController's selector is a map, defaulting to its template's labels", () => {
  const rc: ReplicaSetLike = {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: "web", namespace: "ns", uid: "rc-uid" },
    spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: { containers: [] } } },
  };
  const plan = planReplicas(rc, [pod({ owner: null, labels: { app: "web" } }), pod({ owner: null, labels: { app: "db" } })], NOW);
  assert.equal(plan.adopt.length, 1);
  assert.equal(plan.create, 1);
  assert.deepEqual(podFromTemplate(rc).metadata.ownerReferences, [{ apiVersion: "v1", kind: "ReplicationController", name: "web", uid: "rc-uid", controller: true, blockOwnerDeletion: true }]);
});
