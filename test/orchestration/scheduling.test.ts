// The scheduler's decision, pure (lib/orchestration/schedule-pod.ts and its parts): kube-scheduler's filters in its
// order with its wording, resource fit against allocatable, spreading a controller's replicas, least-allocated scoring,
// quantities, taints and tolerations, node affinity.
import { test } from "node:test";
import assert from "node:assert/strict";
import { accountPod, emptyNodeInfo, failureMessage, feasibleNodesToFind, schedulePod, type NodeInfo } from "@/lib/orchestration/schedule-pod";
import type { Node, Pod, Taint } from "@/lib/orchestration/objects";
import { milliValue, wholeValue } from "@/lib/orchestration/quantity";
import { podRequests } from "@/lib/orchestration/pod-state";
import { noExecuteToleranceSeconds, toleratesTaint } from "@/lib/orchestration/taints";
import { withDefaultTolerations } from "@/lib/orchestration/default-tolerations";
import { matchesNodeSelectorAndAffinity } from "@/lib/orchestration/node-affinity";

function node(name: string, o: { cpu?: string; memory?: string; pods?: string; ready?: "True" | "False" | "Unknown"; unschedulable?: boolean; taints?: Taint[]; labels?: Record<string, string> } = {}): Node {
  const alloc = { cpu: o.cpu ?? "4", memory: o.memory ?? "8Gi", pods: o.pods ?? "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { ...(o.unschedulable ? { unschedulable: true } : {}), ...(o.taints ? { taints: o.taints } : {}) },
    status: { capacity: alloc, allocatable: alloc, conditions: [{ type: "Ready", status: o.ready ?? "True" }] },
  };
}

let n = 0;
function pod(o: { cpu?: string; memory?: string; owner?: string; nodeName?: string; spec?: Record<string, unknown> } = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `p${++n}`,
      namespace: "default",
      uid: `uid-${n}`,
      ...(o.owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: o.owner, uid: o.owner, controller: true }] } : {}),
    },
    spec: { containers: [{ name: "c", image: "busybox", resources: { requests } }], ...(o.nodeName ? { nodeName: o.nodeName } : {}), ...o.spec },
  };
}

function cluster(nodes: Node[], bound: Pod[] = []): NodeInfo[] {
  const infos = new Map(nodes.map((x) => [x.metadata.name!, emptyNodeInfo(x)]));
  for (const p of bound) accountPod(infos.get(p.spec!.nodeName!)!, p, 1);
  return [...infos.values()];
}

test("quantities read as the scheduler reads them", () => {
  assert.equal(milliValue("250m"), 250);
  assert.equal(milliValue("2"), 2000);
  assert.equal(milliValue("0.5"), 500);
  assert.equal(milliValue("1.0001"), 1001, "rounded up");
  assert.equal(wholeValue("128Mi"), 128 * 2 ** 20);
  assert.equal(wholeValue("1G"), 1e9);
  assert.equal(wholeValue("1e3"), 1000);
  assert.equal(wholeValue("8388608Ki"), 8 * 2 ** 30);
  assert.throws(() => wholeValue("12 apples"));
});

test("a pod's request: containers summed, the largest init container, sidecars, overhead, limits as requests", () => {
  const p: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "x" },
    spec: {
      containers: [
        { name: "a", resources: { requests: { cpu: "100m", memory: "64Mi" } } },
        { name: "b", resources: { limits: { cpu: "200m" } } },
      ],
      initContainers: [{ name: "init", resources: { requests: { cpu: "1", memory: "16Mi" } } }],
      overhead: { cpu: "10m" },
    },
  };
  assert.deepEqual(podRequests(p), { milliCpu: 1000 + 10, memory: 64 * 2 ** 20 });
  const sidecar: Pod = { ...p, spec: { ...p.spec, initContainers: [{ name: "log", restartPolicy: "Always", resources: { requests: { cpu: "50m" } } }], overhead: undefined } };
  assert.deepEqual(podRequests(sidecar), { milliCpu: 350, memory: 64 * 2 ** 20 });
  assert.deepEqual(podRequests(pod(), true), { milliCpu: 100, memory: 200 * 2 ** 20 }, "scoring defaults for no requests");
});

test("FailedScheduling says why in kube-scheduler's words: one reason per node, counted and sorted", () => {
  const nodes = [node("a", { unschedulable: true }), node("b", { cpu: "1" })];
  const d = schedulePod(pod({ cpu: "2" }), cluster(nodes));
  assert.equal(d.node, null);
  assert.equal((d as { message: string }).message, "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.");

  const many = [
    node("a", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }),
    node("b", { ready: "Unknown" }),
    node("c", { labels: { disk: "hdd" } }),
    node("d", { cpu: "1", memory: "1Gi", labels: { disk: "ssd" } }),
    node("e", { pods: "1", labels: { disk: "ssd" } }),
  ];
  const p = pod({ cpu: "1500m", memory: "2Gi", spec: { nodeSelector: { disk: "ssd" } } });
  const bound = [pod({ nodeName: "e" })];
  const why = schedulePod(p, cluster(many, bound));
  assert.equal(
    (why as { message: string }).message,
    "0/5 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods, 1 node(s) didn't match Pod's node affinity/selector, " +
      "1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.",
  );
  assert.equal(failureMessage(0, new Map()), "no nodes available to schedule pods");
});

test("the Too many pods filter and resource fit count the pods already bound, finished ones not", () => {
  const nodes = [node("a", { cpu: "1", pods: "3" })];
  const running = [pod({ cpu: "600m", nodeName: "a" }), pod({ nodeName: "a" })];
  assert.equal(schedulePod(pod({ cpu: "500m" }), cluster(nodes, running)).node, null);
  assert.equal(schedulePod(pod({ cpu: "400m" }), cluster(nodes, running)).node, "a", "400m + 600m = the whole 1 cpu: fits");
  const full = [...running, pod({ nodeName: "a" })];
  assert.match((schedulePod(pod(), cluster(nodes, full)) as { message: string }).message, /1 Too many pods/);
});

test("tolerations let a pod past taints and cordons; Exists and Equal as Kubernetes matches them", () => {
  const t: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
  assert.ok(toleratesTaint({ key: "dedicated", operator: "Equal", value: "gpu" }, t));
  assert.ok(!toleratesTaint({ key: "dedicated", operator: "Equal", value: "cpu" }, t));
  assert.ok(toleratesTaint({ key: "dedicated", operator: "Exists", effect: "NoSchedule" }, t));
  assert.ok(!toleratesTaint({ key: "dedicated", operator: "Exists", effect: "NoExecute" }, t));
  assert.ok(toleratesTaint({ operator: "Exists" }, t), "an empty key with Exists tolerates everything");
  const nodes = [node("a", { taints: [t] }), node("b", { unschedulable: true })];
  assert.equal(schedulePod(pod({ spec: { tolerations: [{ key: "dedicated", operator: "Exists" }] } }), cluster(nodes)).node, "a");
  assert.equal(schedulePod(pod({ spec: { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] } }), cluster(nodes)).node, "b");
  // PreferNoSchedule does not filter.
  assert.equal(schedulePod(pod(), cluster([node("c", { taints: [{ key: "x", effect: "PreferNoSchedule" }] })])).node, "c");
});

test("required node affinity: terms OR'ed, expressions AND'ed, In/NotIn/Exists/DoesNotExist/Gt/Lt, matchFields on the name", () => {
  const n1 = node("n1", { labels: { zone: "a", gen: "5" } });
  const aff = (terms: unknown[]) => pod({ spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
  const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
  assert.ok(matchesNodeSelectorAndAffinity(aff([expr("zone", "In", ["a", "b"])]), n1));
  assert.ok(!matchesNodeSelectorAndAffinity(aff([expr("zone", "NotIn", ["a"])]), n1));
  assert.ok(matchesNodeSelectorAndAffinity(aff([expr("zone", "Exists")]), n1));
  assert.ok(!matchesNodeSelectorAndAffinity(aff([expr("zone", "DoesNotExist")]), n1));
  assert.ok(matchesNodeSelectorAndAffinity(aff([expr("gen", "Gt", ["4"])]), n1));
  assert.ok(!matchesNodeSelectorAndAffinity(aff([expr("gen", "Lt", ["5"])]), n1));
  assert.ok(!matchesNodeSelectorAndAffinity(aff([expr("zone", "Gt", ["1"])]), n1), "Gt on a value that is no integer matches nothing");
  assert.ok(matchesNodeSelectorAndAffinity(aff([expr("zone", "In", ["z"]), expr("gen", "In", ["5"])]), n1), "terms are OR'ed");
  assert.ok(!matchesNodeSelectorAndAffinity(aff([{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }, { key: "gen", operator: "In", values: ["6"] }] }]), n1), "expressions are AND'ed");
  assert.ok(!matchesNodeSelectorAndAffinity(aff([{}]), n1), "an empty term matches nothing");
  assert.ok(matchesNodeSelectorAndAffinity(aff([{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }]), n1));
  assert.ok(!matchesNodeSelectorAndAffinity(pod({ spec: { nodeSelector: { zone: "b" } } }), n1));
});

test("replicas of one controller spread across nodes before the emptier node wins", () => {
  const nodes = [node("a", { cpu: "8", memory: "16Gi" }), node("b", { cpu: "2", memory: "4Gi" })];
  const bound: Pod[] = [];
  const placed: string[] = [];
  for (let i = 0; i < 4; i++) {
    const p = pod({ cpu: "100m", owner: "rs-1" });
    const d = schedulePod(p, cluster(nodes, bound));
    placed.push(d.node!);
    bound.push({ ...p, spec: { ...p.spec, nodeName: d.node! } });
  }
  assert.deepEqual(placed.sort(), ["a", "a", "b", "b"], "two per node, though a is four times as big");
  // Without an owner (or among equally spread nodes) the least allocated node wins.
  assert.equal(schedulePod(pod({ cpu: "100m" }), cluster(nodes, bound)).node, "a");
  const busy = [pod({ cpu: "3", nodeName: "a" })];
  assert.equal(schedulePod(pod({ cpu: "100m" }), cluster([node("a"), node("b")], busy)).node, "b");
});

test("large clusters: kube's adaptive number of feasible nodes to look for, and the search rotates", () => {
  assert.equal(feasibleNodesToFind(50), 50);
  assert.equal(feasibleNodesToFind(1000), 420);
  assert.equal(feasibleNodesToFind(5000), 500);
  const nodes = cluster(Array.from({ length: 300 }, (_, i) => node(`n${String(i).padStart(3, "0")}`)));
  const d = schedulePod(pod(), nodes, { start: 290, enough: 100 });
  assert.equal(d.evaluated, 100);
  assert.ok(d.node);
});

test("default tolerations (300 s for not-ready and unreachable) and the NoExecute tolerance", () => {
  const t = withDefaultTolerations(undefined);
  assert.deepEqual(t, [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
  const own = withDefaultTolerations([{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }]);
  assert.equal(own.length, 2);
  assert.equal(own.find((x) => x.key === "node.kubernetes.io/unreachable")!.tolerationSeconds, 5, "a pod's own toleration is kept");
  assert.equal(withDefaultTolerations([{ operator: "Exists" }]).length, 1, "tolerating everything needs no defaults");
  const taints: Taint[] = [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }, { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }];
  assert.equal(noExecuteToleranceSeconds(taints, own), 5);
  assert.equal(noExecuteToleranceSeconds(taints, []), 0, "not tolerated: at once");
  assert.equal(noExecuteToleranceSeconds(taints, [{ operator: "Exists" }]), null, "tolerated for ever");
});
