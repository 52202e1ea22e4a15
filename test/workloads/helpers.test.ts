// The Deployment and Pod pages' pure helpers: rollout history from ReplicaSets, the template diff between two
// revisions, the rollback patch (as `kubectl rollout undo --to-revision` makes it), restart, scale, container states
// and probes in words, and a pod's log sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rolloutHistory, templateYaml, type ReplicaSetLike } from "@/lib/workloads/rollout-history";
import { diffLines, unifiedHunks, unifiedText } from "@/lib/workloads/line-diff";
import { restartPatch, rollbackPlan, scalePatch, type DeploymentLike } from "@/lib/workloads/rollout-actions";
import { containerStateText, lastTerminationText, probeText } from "@/lib/workloads/container-state";
import { engineIdOf, hostOfNode, podLogSources, selectorText } from "@/lib/workloads/pod-sources";
import type { Pod } from "@/lib/k8s/kinds/pod-types";

const UID = "d-uid-1";
const template = (image: string, hash: string) => ({
  metadata: { labels: { app: "web", "pod-template-hash": hash } },
  spec: { containers: [{ name: "web", image, ports: [{ containerPort: 80 }] }, { name: "side", image: "busybox" }] },
});
const rs = (name: string, revision: string, image: string, hash: string, extra: Record<string, string> = {}, owner = UID): ReplicaSetLike => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: {
    name,
    namespace: "default",
    annotations: { "deployment.kubernetes.io/revision": revision, "deployment.kubernetes.io/desired-replicas": "2", ...extra },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: owner, controller: true }],
  },
  spec: { replicas: 0, template: template(image, hash) },
});

test("rollout history: the Deployment's own ReplicaSets by revision, newest first, with earlier numbers and images", () => {
  const h = rolloutHistory(UID, [
    rs("web-a", "3", "nginx:1", "a", { "deployment.kubernetes.io/revision-history": "1" }),
    rs("web-b", "2", "nginx:2", "b"),
    rs("other-c", "9", "nginx:9", "c", {}, "someone-else"),
    { ...rs("web-d", "x", "nginx:4", "d") },
  ]);
  assert.deepEqual(h.map((r) => [r.revision, r.replicaSet.metadata.name, r.earlier, r.images]), [
    [3, "web-a", [1], ["nginx:1", "busybox"]],
    [2, "web-b", [], ["nginx:2", "busybox"]],
  ]);
});

test("template diff: two revisions' templates as YAML differ only in the changed field, the hash label left out", () => {
  const a = templateYaml(template("nginx:1", "aaa"));
  const b = templateYaml(template("nginx:2", "bbb"));
  assert.doesNotMatch(a, /pod-template-hash/);
  const hunks = unifiedHunks(a, b, 1);
  assert.equal(hunks.length, 1);
  assert.deepEqual(hunks[0]!.lines.filter((l) => l.op !== "same").map((l) => [l.op, l.text.trim()]), [
    ["del", "- image: nginx:1"],
    ["add", "- image: nginx:2"],
  ]);
  assert.match(unifiedText(hunks), /^@@ -\d+,3 \+\d+,3 @@\n .*\n-\s+- image: nginx:1\n\+\s+- image: nginx:2\n /);
  assert.deepEqual(unifiedHunks(a, a), [], "the same template: no hunk");
});

test("line diff: additions, deletions and numbering on each side; an empty side", () => {
  assert.deepEqual(diffLines("a\nb\nc\n", "a\nx\nc\nd\n").map((l) => `${l.op}:${l.text}:${l.oldNo ?? "-"}:${l.newNo ?? "-"}`), [
    "same:a:1:1",
    "del:b:2:-",
    "add:x:-:2",
    "same:c:3:3",
    "add:d:-:4",
  ]);
  assert.equal(unifiedText(unifiedHunks("", "one\n")), "@@ -0,0 +1,1 @@\n+one");
  assert.equal(unifiedText(unifiedHunks("one\n", "")), "@@ -1,1 +0,0 @@\n-one");
});

const deployment = (image: string, extra: Partial<DeploymentLike["spec"]> = {}): DeploymentLike => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "default",
    uid: UID,
    annotations: { "deployment.kubernetes.io/revision": "3", "kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a" },
  },
  spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: template(image, "x").spec }, ...extra },
});

test("rollback: the revision's template without its hash label and the ReplicaSet's annotations, the rollout's own kept", () => {
  const to = rs("web-a", "1", "nginx:1", "aaa", { "kubernetes.io/change-cause": "first", "deployment.kubernetes.io/revision-history": "0" });
  const plan = rollbackPlan(deployment("nginx:2"), to, 1);
  assert.equal(plan.kind, "patch");
  if (plan.kind !== "patch") return;
  assert.deepEqual(plan.patch, [
    { op: "replace", path: "/spec/template", value: { metadata: { labels: { app: "web" } }, spec: template("nginx:1", "").spec } },
    {
      op: "replace",
      path: "/metadata/annotations",
      // revision and last-applied from the Deployment; change-cause from the ReplicaSet; desired-replicas and
      // revision-history (the ReplicaSet's bookkeeping) not copied; the Deployment's "team" dropped, as kubectl does.
      value: { "kubectl.kubernetes.io/last-applied-configuration": "{}", "deployment.kubernetes.io/revision": "3", "kubernetes.io/change-cause": "first" },
    },
  ]);
  assert.equal((to.spec!.template as { metadata: { labels: Record<string, string> } }).metadata.labels["pod-template-hash"], "aaa", "the ReplicaSet is not changed");
  assert.deepEqual(rollbackPlan(deployment("nginx:1"), to, 1), { kind: "skipped", reason: "skipped rollback (current template already matches revision 1)" });
  assert.equal(rollbackPlan(deployment("nginx:2", { paused: true }), to, 1).kind, "refused");
});

test("restart and scale bodies", () => {
  const r = restartPatch(deployment("nginx:1"), new Date("2026-12-07T10:11:12.345Z"));
  assert.deepEqual(r, { ok: true, patch: { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-12-07T10:11:12Z" } } } } } });
  assert.equal(restartPatch(deployment("nginx:1", { paused: true }), new Date()).ok, false);
  assert.deepEqual(scalePatch(" 4 "), { ok: true, patch: { spec: { replicas: 4 } } });
  assert.equal(scalePatch("-1").ok, false);
  assert.equal(scalePatch("2.5").ok, false);
  assert.equal(scalePatch("").ok, false);
});

test("container state in words: running, waiting with its reason, terminated with exit code; last termination; probes", () => {
  const base = { name: "web", ready: false, restartCount: 2, image: "x", imageID: "" };
  assert.equal(containerStateText({ ...base, state: { running: { startedAt: "2026-12-07T10:00:00Z" } } }).label, "Running");
  assert.deepEqual(containerStateText({ ...base, state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s" } } }), { kind: "waiting", label: "Waiting: CrashLoopBackOff", detail: "back-off 10s" });
  assert.equal(containerStateText({ ...base, state: { terminated: { exitCode: 3, reason: "Error" } } }).label, "Terminated: Error (exit code 3)");
  assert.equal(containerStateText({ ...base, state: { terminated: { exitCode: 0 } } }).label, "Terminated: Completed (exit code 0)");
  assert.equal(containerStateText(undefined).label, "Not created yet");
  assert.equal(lastTerminationText({ ...base, lastState: { terminated: { exitCode: 137, signal: 9, reason: "OOMKilled", finishedAt: "2026-12-07T10:00:00Z" } } }), "OOMKilled (exit code 137, signal 9) at 2026-12-07T10:00:00Z");
  assert.equal(lastTerminationText(base), null);
  assert.equal(probeText({ httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 5 }), "http-get http://:8080/healthz delay=0s timeout=1s period=5s #success=1 #failure=3");
  assert.equal(probeText({ exec: { command: ["cat", "/tmp/ok"] }, failureThreshold: 1 }), "exec [cat /tmp/ok] delay=0s timeout=1s period=10s #success=1 #failure=1");
  assert.equal(probeText({ tcpSocket: { port: "http" } }), "tcp-socket :http delay=0s timeout=1s period=10s #success=1 #failure=3");
  assert.equal(probeText(undefined), null);
});

test("a pod's log sources: the host by node name (the oldest of a name), each started container's engine id", () => {
  const id1 = "a".repeat(64);
  const id0 = "b".repeat(64);
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default" },
    spec: { nodeName: "h1", containers: [{ name: "web", image: "x" }, { name: "side", image: "y" }] },
    status: {
      containerStatuses: [
        { name: "web", ready: true, restartCount: 1, image: "x", imageID: "", containerID: `gantry://${id1}`, lastState: { terminated: { exitCode: 1, containerID: `gantry://${id0}` } } },
        { name: "side", ready: false, restartCount: 0, image: "y", imageID: "", state: { waiting: { reason: "ContainerCreating" } } },
      ],
    },
  };
  const hosts = [{ id: 7, name: "h1" }, { id: 3, name: "h1" }, { id: 4, name: "h2" }];
  assert.deepEqual(hostOfNode("h1", hosts), { id: 3, name: "h1" });
  assert.equal(hostOfNode(undefined, hosts), null);
  assert.deepEqual(podLogSources(pod, hosts), [{ hostId: 3, container: id1, label: "web-1/web", pod: "web-1", containerName: "web" }]);
  assert.deepEqual(podLogSources(pod, hosts, { previous: true }).map((s) => s.container), [id0]);
  assert.deepEqual(podLogSources({ ...pod, spec: { ...pod.spec, nodeName: "gone" } }, hosts), []);
  assert.equal(engineIdOf("docker://abc"), null);
  assert.equal(selectorText({ matchLabels: { tier: "web", app: "shop" }, matchExpressions: [{ key: "env", operator: "In", values: ["b", "a"] }, { key: "legacy", operator: "DoesNotExist" }] }), "app=shop,tier=web,env in (a,b),!legacy");
});

test("rollout state as kubectl rollout status reads it", async () => {
  const { rolloutState } = await import("@/lib/workloads/rollout-status");
  const d = (status: object, extra: object = {}) => ({ metadata: { generation: 2 }, spec: { replicas: 3, ...extra }, status: { observedGeneration: 2, ...status } });
  assert.equal(rolloutState(d({ observedGeneration: 1 })).message, "Waiting for the deployment spec update to be observed…");
  assert.equal(rolloutState(d({ updatedReplicas: 1, replicas: 4 })).message, "1 of 3 new replicas have been updated…");
  assert.equal(rolloutState(d({ updatedReplicas: 3, replicas: 4 })).message, "1 old replica is pending termination…");
  assert.equal(rolloutState(d({ updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).message, "2 of 3 updated replicas are available…");
  assert.equal(rolloutState(d({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 })).phase, "complete");
  assert.equal(rolloutState(d({ updatedReplicas: 1, replicas: 3, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "too slow" }] })).phase, "failed");
  assert.equal(rolloutState(d({ updatedReplicas: 1 }, { paused: true })).phase, "paused");
});

test("the workload /logs follows, from its address; a bad one named by its parameter", async () => {
  const { parseWorkloadTarget } = await import("@/lib/workloads/workload-target");
  assert.deepEqual(parseWorkloadTarget({ deployment: "shop/web" }), { ok: true, target: { namespace: "shop", deployment: "web" } });
  assert.deepEqual(parseWorkloadTarget({ namespace: "shop", selector: "app=web,tier in (a,b)" }), { ok: true, target: { namespace: "shop", selector: "app=web,tier in (a,b)" } });
  assert.equal(parseWorkloadTarget({ c: "1:abc" }), null);
  assert.match((parseWorkloadTarget({ deployment: "web" }) as { error: string }).error, /^deployment: /);
  assert.match((parseWorkloadTarget({ deployment: "a/b/c" }) as { error: string }).error, /^deployment: /);
  assert.match((parseWorkloadTarget({ selector: "app=web" }) as { error: string }).error, /^namespace: /);
  assert.match((parseWorkloadTarget({ namespace: "shop", selector: "app==(" }) as { error: string }).error, /^selector: /);
  assert.match((parseWorkloadTarget({ namespace: "shop", selector: " " }) as { error: string }).error, /^selector: empty/);
});
