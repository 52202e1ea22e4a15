// A Deployment's rollout arithmetic and status, pure (lib/orchestration/deployment-rollout.ts, deployment-status.ts,
// pod-template-hash.ts, and the revision annotations of deployment-controller.ts): the fenceposts, a whole rolling update
// stepped through with its invariants, proportional scaling, history cleanup, and the conditions kubectl reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isScalingEvent, maxSurge, maxUnavailable, proportionalScale, reconcileNewReplicaSet, reconcileOldReplicaSets, replicaSetsToClean, resolveFenceposts, scaledValue,
  DESIRED_REPLICAS, MAX_REPLICAS, REVISION, REVISION_HISTORY,
} from "@/lib/orchestration/deployment-rollout";
import { calculateStatus, pausedConditions, rolloutStatus } from "@/lib/orchestration/deployment-status";
import { computeHash, equalIgnoreHash, safeEncode } from "@/lib/orchestration/pod-template-hash";
import { replicaSetAnnotations } from "@/lib/orchestration/deployment-controller";
import type { Deployment, ReplicaSetLike } from "@/lib/orchestration/objects";

const NOW = Date.parse("2026-01-01T00:00:00Z");

function deployment(o: { replicas?: number; surge?: number | string; unavailable?: number | string; type?: "Recreate"; deadline?: number; paused?: boolean; generation?: number; status?: Deployment["status"] } = {}): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "ns", uid: "d-uid", generation: o.generation ?? 1, annotations: { team: "a", [REVISION]: "1" } },
    spec: {
      replicas: o.replicas ?? 4,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:2" }] } },
      strategy: o.type ? { type: o.type } : { type: "RollingUpdate", rollingUpdate: { maxSurge: o.surge ?? "25%", maxUnavailable: o.unavailable ?? "25%" } },
      ...(o.deadline !== undefined ? { progressDeadlineSeconds: o.deadline } : {}),
      ...(o.paused ? { paused: true } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

let created = 0;
function replicaSet(name: string, replicas: number, available = replicas, annotations: Record<string, string> = {}): ReplicaSetLike {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "ns", uid: `${name}-uid`, creationTimestamp: new Date(NOW + ++created * 1000).toISOString(), annotations, generation: 1 },
    spec: { replicas },
    status: { replicas, readyReplicas: available, availableReplicas: available, observedGeneration: 1 },
  };
}

test("maxSurge rounds up, maxUnavailable down; both zero makes unavailable 1", () => {
  assert.equal(scaledValue("25%", 10, true), 3);
  assert.equal(scaledValue("25%", 10, false), 2);
  assert.equal(scaledValue(2, 10, false), 2);
  assert.deepEqual(resolveFenceposts(deployment({ replicas: 3 })), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(deployment({ replicas: 1, surge: 0, unavailable: "10%" })), { surge: 0, unavailable: 1 });
  assert.equal(maxUnavailable(deployment({ replicas: 2, unavailable: 5 })), 2, "never more than the replicas");
  assert.equal(maxSurge(deployment({ type: "Recreate" })), 0);
});

/**
 * Steps a rolling update to its end as the controller does (grow the new ReplicaSet, else shrink old ones), with pods
 * becoming available `lag` steps after they are asked for; checks kube's two promises at every step.
 */
function rollOut(d: Deployment, oldSize: number, lag: number): { steps: number; maxTotal: number; minAvailable: number } {
  const old = replicaSet("web-old", oldSize, oldSize);
  const neu = replicaSet("web-new", 0, 0);
  const history: number[] = [];
  let maxTotal = 0;
  let minAvailable = Infinity;
  for (let step = 1; step < 100; step++) {
    // Pods asked for `lag` steps ago are available now; old ones go at once.
    history.push(neu.spec!.replicas!);
    const avail = Math.min(neu.spec!.replicas!, history[Math.max(0, history.length - 1 - lag)]!);
    neu.status = { replicas: neu.spec!.replicas!, availableReplicas: avail, readyReplicas: avail };
    old.status = { replicas: old.spec!.replicas!, availableReplicas: old.spec!.replicas!, readyReplicas: old.spec!.replicas! };
    const all = [old, neu];
    minAvailable = Math.min(minAvailable, old.status.availableReplicas! + avail);
    maxTotal = Math.max(maxTotal, old.spec!.replicas! + neu.spec!.replicas!);
    if (neu.spec!.replicas === d.spec!.replicas && old.spec!.replicas === 0 && avail === d.spec!.replicas) return { steps: step, maxTotal, minAvailable };
    const grow = reconcileNewReplicaSet(d, all, neu);
    if (grow !== null) {
      neu.spec!.replicas = grow;
      continue;
    }
    for (const { rs, replicas } of reconcileOldReplicaSets(d, all, old.spec!.replicas! > 0 ? [old] : [], neu)) rs.spec!.replicas = replicas;
  }
  throw new Error("the rollout did not finish");
}

test("a rolling update never exceeds replicas + maxSurge pods nor drops below replicas − maxUnavailable available, and finishes", () => {
  for (const [replicas, surge, unavailable] of [[4, "25%", "25%"], [3, 1, 0], [10, 0, 3], [5, "50%", "0%"], [1, 1, 0]] as const) {
    for (const lag of [0, 1, 3]) {
      const d = deployment({ replicas, surge, unavailable });
      const { maxTotal, minAvailable } = rollOut(d, replicas, lag);
      const { surge: s, unavailable: u } = resolveFenceposts(d);
      assert.ok(maxTotal <= replicas + s, `${replicas}/${surge}/${unavailable} lag ${lag}: ${maxTotal} pods at once`);
      assert.ok(minAvailable >= replicas - u, `${replicas}/${surge}/${unavailable} lag ${lag}: only ${minAvailable} available`);
    }
  }
});

test("the first steps of 4 replicas at 25%/25%: one new pod, one old one down, then one more new", () => {
  const d = deployment();
  const old = replicaSet("web-old", 4);
  const neu = replicaSet("web-new", 0);
  assert.equal(reconcileNewReplicaSet(d, [old, neu], neu), 1);
  neu.spec!.replicas = 1;
  neu.status = { replicas: 1, availableReplicas: 0 };
  assert.equal(reconcileNewReplicaSet(d, [old, neu], neu), null, "4 + 1 = maxSurge reached");
  assert.deepEqual(reconcileOldReplicaSets(d, [old, neu], [old], neu).map((r) => r.replicas), [3]);
  const unhealthyOld = replicaSet("web-old", 4, 2);
  // 5 pods, 3 must stay available, the new one is not yet: one may go — an unavailable old one, costing nothing.
  assert.deepEqual(reconcileOldReplicaSets(d, [unhealthyOld, neu], [unhealthyOld], neu).map((r) => r.replicas), [3]);
  const healthyNew = { ...neu, status: { replicas: 1, availableReplicas: 1 } };
  assert.deepEqual(reconcileOldReplicaSets(d, [unhealthyOld, healthyNew], [unhealthyOld], healthyNew).map((r) => r.replicas), [2], "both unavailable old pods go when the new one is up");
});

test("scaling during a rollout is spread in proportion to the ReplicaSets' sizes", () => {
  const d = deployment({ replicas: 20, surge: 3, unavailable: 2 });
  const max = { [MAX_REPLICAS]: "13", [DESIRED_REPLICAS]: "10" };
  const old = replicaSet("web-old", 8, 8, max);
  const neu = replicaSet("web-new", 5, 5, max);
  assert.ok(isScalingEvent(d, [old, neu]));
  const sizes = Object.fromEntries(proportionalScale(d, neu, [old], 13).map((r) => [r.rs.metadata.name, r.replicas]));
  // 23 allowed: 8 × 23 / 13 ≈ 14, 5 × 23 / 13 ≈ 9.
  assert.deepEqual(sizes, { "web-old": 14, "web-new": 9 });
  assert.deepEqual(proportionalScale(deployment({ replicas: 6 }), replicaSet("only", 4), [], 4).map((r) => r.replicas), [6], "one active ReplicaSet takes the count");
  assert.ok(!isScalingEvent(deployment({ replicas: 10 }), [replicaSet("x", 10, 10, { [DESIRED_REPLICAS]: "10" })]));
});

test("old ReplicaSets beyond revisionHistoryLimit go, lowest revision first, only when empty", () => {
  const d = { ...deployment(), spec: { ...deployment().spec, revisionHistoryLimit: 1 } };
  const r1 = replicaSet("r1", 0, 0, { [REVISION]: "1" });
  const r2 = replicaSet("r2", 0, 0, { [REVISION]: "2" });
  const r3 = replicaSet("r3", 1, 1, { [REVISION]: "3" });
  assert.deepEqual(replicaSetsToClean(d, [r3, r2, r1]).map((r) => r.metadata.name), ["r1", "r2"]);
  assert.deepEqual(replicaSetsToClean({ ...d, spec: { ...d.spec, revisionHistoryLimit: 2 } }, [r3, r2, r1]).map((r) => r.metadata.name), ["r1"]);
  assert.deepEqual(replicaSetsToClean({ ...d, spec: { ...d.spec, revisionHistoryLimit: 0 } }, [r3]).map((r) => r.metadata.name), [], "one with pods stays");
});

test("status and conditions as kubectl rollout status reads them", () => {
  const d = deployment({ deadline: 600, generation: 3, status: { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3, readyReplicas: 3 } });
  const old = replicaSet("web-old", 2, 2);
  const neu = replicaSet("web-new", 3, 2);
  const s = calculateStatus([old, neu], neu, d, NOW);
  assert.equal(s.observedGeneration, 3);
  assert.equal(s.replicas, 5);
  assert.equal(s.updatedReplicas, 3);
  assert.equal(s.availableReplicas, 4);
  assert.equal(s.unavailableReplicas, 1);
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [["Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."]]);

  const progressing = rolloutStatus([old, neu], neu, d, NOW).status;
  const p = progressing.conditions!.find((c) => c.type === "Progressing")!;
  assert.deepEqual([p.status, p.reason, p.message], ["True", "ReplicaSetUpdated", 'ReplicaSet "web-new" is progressing.']);

  const done = { ...d, status: { ...progressing } };
  const full = replicaSet("web-new", 4, 4);
  const complete = rolloutStatus([replicaSet("web-old", 0, 0), full], full, done, NOW + 1000).status;
  const c = complete.conditions!.find((x) => x.type === "Progressing")!;
  assert.deepEqual([c.status, c.reason, c.message], ["True", "NewReplicaSetAvailable", 'ReplicaSet "web-new" has successfully progressed.']);
  assert.equal(c.lastTransitionTime, p.lastTransitionTime, "the status stayed True: the transition time stays");
});

test("no progress for progressDeadlineSeconds: Progressing False, ProgressDeadlineExceeded", () => {
  const since = new Date(NOW - 11_000).toISOString();
  const stuck = deployment({
    deadline: 10,
    status: { observedGeneration: 1, replicas: 5, updatedReplicas: 1, availableReplicas: 4, readyReplicas: 4, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: since, lastTransitionTime: since }] },
  });
  const old = replicaSet("web-old", 4);
  const neu = replicaSet("web-new", 1, 0);
  const { status } = rolloutStatus([old, neu], neu, stuck, NOW);
  const c = status.conditions!.find((x) => x.type === "Progressing")!;
  assert.deepEqual([c.status, c.reason, c.message], ["False", "ProgressDeadlineExceeded", 'ReplicaSet "web-new" has timed out progressing.']);
  const early = rolloutStatus([old, neu], neu, stuck, NOW - 5000);
  assert.equal(early.status.conditions!.find((x) => x.type === "Progressing")!.reason, "ReplicaSetUpdated");
  assert.equal(early.recheckAt, NOW - 11_000 + 10_000 + 1000, "looks again when the deadline passes");
});

test("pausing and resuming show as Progressing Unknown", () => {
  const paused = pausedConditions(deployment({ deadline: 600, paused: true }), NOW)!;
  assert.deepEqual(paused.conditions!.map((c) => [c.type, c.status, c.reason]), [["Progressing", "Unknown", "DeploymentPaused"]]);
  const resumed = pausedConditions(deployment({ deadline: 600, status: paused }), NOW)!;
  assert.deepEqual(resumed.conditions!.map((c) => [c.type, c.status, c.reason]), [["Progressing", "Unknown", "DeploymentResumed"]]);
  assert.equal(pausedConditions(deployment({ deadline: 600, paused: true, status: paused }), NOW), null);
});

test("the pod-template-hash: stable, changed by the template and the collision count, in kube's alphabet", () => {
  const t = deployment().spec!.template!;
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(computeHash(structuredClone(t)), h);
  assert.notEqual(computeHash(t, 1), h);
  assert.notEqual(computeHash({ ...t, spec: { containers: [{ name: "c", image: "nginx:3" }] } }), h);
  assert.equal(safeEncode("1234"), "5678");
  const withHash = { ...t, metadata: { labels: { app: "web", "pod-template-hash": h } } };
  assert.ok(equalIgnoreHash(withHash, t));
  assert.ok(equalIgnoreHash({ ...t, metadata: { ...t.metadata, annotations: {} } }, t), "an empty map is no difference");
  assert.ok(!equalIgnoreHash({ ...t, metadata: { labels: { app: "db" } } }, t));
});

test("the new ReplicaSet's annotations: the Deployment's copied, revision raised, a rolled-back revision kept in history", () => {
  const d = deployment();
  const fresh = replicaSetAnnotations(d, replicaSet("web-new", 0), "3", false)!;
  assert.deepEqual(fresh, { team: "a", [REVISION]: "3", [DESIRED_REPLICAS]: "4", [MAX_REPLICAS]: "5" });
  const rolledBack = replicaSetAnnotations(d, replicaSet("web-old", 0, 0, { team: "a", [REVISION]: "1" }), "4", true)!;
  assert.equal(rolledBack[REVISION], "4");
  assert.equal(rolledBack[REVISION_HISTORY], "1");
  const again = replicaSetAnnotations(d, replicaSet("web-old", 0, 0, { ...rolledBack }), "6", true)!;
  assert.equal(again[REVISION_HISTORY], "1,4");
  assert.equal(replicaSetAnnotations(d, replicaSet("same", 0, 0, { team: "a", [REVISION]: "5" }), "5", true), null);
});
