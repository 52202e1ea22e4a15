// The workloads pages' pure parts (lib/workloads): a pod's READY/STATUS/RESTARTS as kubectl prints them and the tone
// the lists colour them by; filtering by name, label selector and status; sorting (natural order, numbers, stable
// ties) and paging; Deployments' and ReplicaSets' columns; a Node's status, pods and requests; what a drain deletes;
// Events' last-seen time; the fleet map's grouping by host.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "@/lib/k8s/meta";
import { podView, statusTone } from "@/lib/workloads/pod-view";
import { distinctValues, filterObjects, pageOf, parseSelector, sortObjects } from "@/lib/workloads/list-view";
import { deploymentView, replicaSetView } from "@/lib/workloads/workload-view";
import { drainPlan, formatBytes, formatCpu, nodeView } from "@/lib/workloads/node-view";
import { eventView } from "@/lib/workloads/event-view";
import { fleetMap } from "@/lib/workloads/fleet-map";

const NOW = new Date("2026-12-07T12:00:00Z");
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

function pod(name: string, extra: Partial<KubeObject> & { labels?: Record<string, string>; owner?: string } = {}): KubeObject {
  const { labels, owner, ...rest } = extra;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      creationTimestamp: ago(600),
      labels,
      ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: "rs", controller: true }] } : {}),
    },
    spec: { nodeName: "host-a", containers: [{ name: "a", image: "busybox" }, { name: "b", image: "busybox" }] },
    status: { phase: "Pending" },
    ...rest,
  } as KubeObject;
}

const running = (name: string, more: Record<string, unknown> = {}) =>
  pod(name, {
    status: {
      phase: "Running",
      podIP: "10.1.0.4",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [
        { name: "a", ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } },
        { name: "b", ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
    ...more,
  });

test("a pod's READY, STATUS and RESTARTS read as kubectl prints them", () => {
  const v = podView(running("web-1"), NOW);
  assert.deepEqual([v.ready, v.status, v.restarts, v.restartCount, v.host, v.podIP, v.tone], ["2/2", "Running", "2 (5m ago)", 2, "host-a", "10.1.0.4", "ok"]);

  const crashing = pod("web-2", {
    status: {
      phase: "Running",
      containerStatuses: [
        { name: "a", ready: false, restartCount: 7, state: { waiting: { reason: "CrashLoopBackOff" } } },
        { name: "b", ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
  });
  assert.deepEqual([podView(crashing, NOW).ready, podView(crashing, NOW).status, podView(crashing, NOW).tone], ["1/2", "CrashLoopBackOff", "failed"]);

  const creating = pod("web-3", { status: { phase: "Pending", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] } });
  assert.equal(podView(creating, NOW).status, "ContainerCreating");
  assert.equal(podView(creating, NOW).tone, "pending");

  const terminating = running("web-4");
  terminating.metadata.deletionTimestamp = ago(1);
  assert.equal(podView(terminating, NOW).status, "Terminating");

  const exited = pod("job-1", { status: { phase: "Failed", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] } });
  assert.equal(podView(exited, NOW).status, "ExitCode:3");
  assert.equal(statusTone("ExitCode:3"), "failed");
  assert.equal(statusTone("Completed"), "done");
  assert.equal(statusTone("Init:0/1"), "pending");
  assert.equal(statusTone("Init:CrashLoopBackOff"), "failed");
  assert.equal(podView(pod("waiting", { spec: { containers: [{ name: "a" }] } }), NOW).host, "");
});

test("filters keep what the name, the label selector and the status say; a half-typed selector filters nothing", () => {
  const items = [running("web-1", {}), pod("web-2", { labels: { app: "web", tier: "front" } }), pod("db-1", { labels: { app: "db" } })];
  items[0]!.metadata.labels = { app: "web" };
  const names = (xs: KubeObject[]) => xs.map((o) => o.metadata.name);
  assert.deepEqual(names(filterObjects(items, { name: "WEB" })), ["web-1", "web-2"]);
  assert.deepEqual(names(filterObjects(items, { selector: "app=web,tier" })), ["web-2"]);
  assert.deepEqual(names(filterObjects(items, { selector: "app in (web,db),tier!=front" })), ["web-1", "db-1"]);
  assert.deepEqual(names(filterObjects(items, { selector: "!tier" })), ["web-1", "db-1"]);
  const status = (o: KubeObject) => podView(o, NOW).status;
  assert.deepEqual(names(filterObjects(items, { status: "Pending" }, status)), ["web-2", "db-1"]);
  assert.deepEqual(names(filterObjects(items, { name: "1", status: "Running" }, status)), ["web-1"]);
  assert.deepEqual(names(filterObjects(items, { selector: "app=(" })), ["web-1", "web-2", "db-1"]);
  const bad = parseSelector("app=(");
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error : "", /unable to parse requirement/);
  assert.deepEqual(names(filterObjects(items, { name: "pod a" }, undefined, (o) => `Pod ${o.metadata.name}`)), []);
  assert.deepEqual(names(filterObjects(items, { name: "pod web" }, undefined, (o) => `Pod ${o.metadata.name}`)), ["web-1", "web-2"]);
  assert.deepEqual(distinctValues(items, status), ["Pending", "Running"]);
});

test("sorting is natural (web-9 before web-10), numeric for numbers, stable by namespace/name on ties, either way round", () => {
  const items = ["web-10", "web-9", "Web-1", "api"].map((n) => pod(n));
  const names = (xs: KubeObject[]) => xs.map((o) => o.metadata.name);
  assert.deepEqual(names(sortObjects(items, (o) => o.metadata.name!)), ["api", "Web-1", "web-9", "web-10"]);
  assert.deepEqual(names(sortObjects(items, (o) => o.metadata.name!, "desc")), ["web-10", "web-9", "Web-1", "api"]);
  const restarts: Record<string, number> = { "web-10": 2, "web-9": 10, "Web-1": 2, api: 0 };
  assert.deepEqual(names(sortObjects(items, (o) => restarts[o.metadata.name!]!)), ["api", "Web-1", "web-10", "web-9"]);
  // Ties keep namespace/name order in both directions (a live list does not shuffle).
  assert.deepEqual(names(sortObjects(items, (o) => restarts[o.metadata.name!]!, "desc")), ["web-9", "Web-1", "web-10", "api"]);
});

test("pages of a list: clamped, with the positions shown", () => {
  const xs = Array.from({ length: 120 }, (_, i) => i);
  assert.deepEqual({ ...pageOf(xs, 0, 50), items: undefined }, { items: undefined, page: 0, pages: 3, from: 1, to: 50, total: 120 });
  const last = pageOf(xs, 9, 50);
  assert.deepEqual([last.page, last.from, last.to, last.items.length], [2, 101, 120, 20]);
  const none = pageOf([], 3, 50);
  assert.deepEqual([none.page, none.pages, none.from, none.to], [0, 1, 0, 0]);
});

test("a Deployment's READY, UP-TO-DATE, AVAILABLE and state; a ReplicaSet's and a ReplicationController's counts and selector", () => {
  const d = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2) =>
    ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", generation }, spec: { template: { spec: { containers: [{ image: "nginx:1" }, { image: "redis" }] } }, ...spec }, status: { observedGeneration: 2, ...status } }) as KubeObject;
  const done = deploymentView(d({ replicas: 3 }, { replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 }));
  assert.deepEqual(done, { ready: "3/3", upToDate: 3, available: 3, desired: 3, state: "Available", images: "nginx:1, redis" });
  assert.equal(deploymentView(d({ replicas: 3 }, { replicas: 4, readyReplicas: 3, updatedReplicas: 1, availableReplicas: 3 })).state, "Progressing");
  assert.equal(deploymentView(d({ replicas: 3 }, { replicas: 3, readyReplicas: 1, updatedReplicas: 3, availableReplicas: 1 })).state, "Unavailable");
  assert.equal(deploymentView(d({ replicas: 3 }, { replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, 3)).state, "Progressing", "a newer generation not observed yet");
  assert.equal(deploymentView(d({ replicas: 3, paused: true }, {})).state, "Paused");
  assert.equal(deploymentView(d({ replicas: 0 }, {})).state, "Scaled to 0");
  assert.equal(deploymentView(d({}, {})).ready, "0/1", "replicas defaults to 1");

  const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-abc" }, spec: { replicas: 2, selector: { matchLabels: { app: "web", "pod-template-hash": "abc" } } }, status: { replicas: 2, readyReplicas: 1 } } as KubeObject;
  assert.deepEqual(replicaSetView(rs, "ReplicaSet"), { desired: 2, current: 2, ready: 1, images: "", selector: "app=web,pod-template-hash=abc" });
  const rc = { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "old" }, spec: { replicas: 1, selector: { app: "old" } }, status: {} } as KubeObject;
  assert.deepEqual(replicaSetView(rc, "ReplicationController"), { desired: 1, current: 0, ready: 0, images: "", selector: "app=old" });
});

test("a Node's status, pods and requests; finished pods do not count", () => {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "host-a" },
    spec: { unschedulable: true },
    status: { conditions: [{ type: "Ready", status: "True" }], allocatable: { cpu: "2", memory: "4Gi" }, addresses: [{ type: "InternalIP", address: "10.0.0.2" }] },
  } as KubeObject;
  const withRequests = (name: string, cpu: string, memory: string) => pod(name, { spec: { nodeName: "host-a", containers: [{ name: "a", resources: { requests: { cpu, memory } } }] } });
  const finished = withRequests("done", "1", "1Gi");
  finished.status = { phase: "Succeeded" };
  const v = nodeView(node, [withRequests("a", "250m", "128Mi"), withRequests("b", "0.5", "256Mi"), finished]);
  assert.deepEqual(v, { ready: "Ready", cordoned: true, status: "Ready,SchedulingDisabled", pods: 2, cpu: { requested: 0.75, allocatable: 2 }, memory: { requested: 384 * 2 ** 20, allocatable: 4 * 2 ** 30 }, internalIP: "10.0.0.2" });
  assert.equal(nodeView({ ...node, spec: {}, status: { conditions: [{ type: "Ready", status: "Unknown" }] } }, []).status, "NotReady");
  assert.equal(nodeView({ ...node, spec: {}, status: { conditions: [{ type: "Ready", status: "Unknown" }] } }, []).ready, "Unknown");
  assert.deepEqual([formatCpu(0.75), formatCpu(2), formatCpu(0), formatBytes(384 * 2 ** 20), formatBytes(4 * 2 ** 30), formatBytes(1536)], ["750m", "2", "0", "384Mi", "4Gi", "1.5Ki"]);
});

test("a drain deletes the pods a controller makes again and says why each other pod stays", () => {
  const owned = running("web-1", {});
  owned.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "x", controller: true }];
  const bare = running("bare");
  const notController = running("ref-only");
  notController.metadata.ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "c", uid: "y" }];
  const going = pod("going", { owner: "web-abc" });
  going.metadata.deletionTimestamp = ago(2);
  const finished = pod("job-1", { owner: "job", status: { phase: "Succeeded" } });
  const plan = drainPlan([owned, bare, notController, going, finished]);
  assert.deepEqual(plan.remove.map((p) => p.metadata.name), ["web-1"]);
  assert.deepEqual(plan.keep.map((k) => [k.pod.metadata.name, k.why]), [
    ["bare", "no controller would make it again"],
    ["ref-only", "no controller would make it again"],
    ["going", "already terminating"],
    ["job-1", "finished"],
  ]);
});

test("an Event's last-seen time, object and count, whichever of the time fields it carries", () => {
  const base = { apiVersion: "v1", kind: "Event", metadata: { name: "web-1.abc", namespace: "shop", creationTimestamp: ago(100) }, involvedObject: { kind: "Pod", name: "web-1", namespace: "shop" }, reason: "Pulled", message: "pulled" } as KubeObject;
  assert.deepEqual(eventView({ ...base, lastTimestamp: ago(10), count: 4, type: "Warning", source: { component: "kubelet" } }), {
    lastSeen: Date.parse(ago(10)),
    type: "Warning",
    reason: "Pulled",
    message: "pulled",
    count: 4,
    kind: "Pod",
    objectName: "web-1",
    objectNamespace: "shop",
    object: "Pod web-1",
    source: "kubelet",
  });
  assert.equal(eventView({ ...base, eventTime: ago(20) }).lastSeen, Date.parse(ago(20)));
  assert.equal(eventView({ ...base, eventTime: ago(20), series: { count: 9, lastObservedTime: ago(5) } }).lastSeen, Date.parse(ago(5)));
  assert.equal(eventView({ ...base, eventTime: ago(20), series: { count: 9, lastObservedTime: ago(5) } }).count, 9);
  assert.equal(eventView(base).lastSeen, Date.parse(ago(100)));
  assert.equal(eventView(base).type, "Normal");
});

test("the fleet map groups pods by host in natural host order, marks a host that is down, and keeps unplaced pods apart", () => {
  const node = (name: string, ready: string) => ({ apiVersion: "v1", kind: "Node", metadata: { name }, status: { conditions: [{ type: "Ready", status: ready }] } }) as KubeObject;
  const on = (name: string, host: string) => pod(name, { spec: { nodeName: host, containers: [{ name: "a" }] } });
  const loose = pod("pending-1", { spec: { containers: [{ name: "a" }] } });
  const map = fleetMap([node("host-10", "True"), node("host-9", "False")], [on("a", "host-10"), on("b", "host-9"), on("c", "host-9"), on("d", "gone-host"), loose], (p) => p.metadata.name);
  assert.deepEqual(
    map.map((h) => [h.name, h.down, h.pods]),
    [
      ["host-9", true, ["b", "c"]],
      ["host-10", false, ["a"]],
      ["", false, ["d", "pending-1"]],
    ],
  );
});
