// The control plane's writing of hosts' pod reports (lib/pods/record-pod-status.ts) against a real PostgreSQL with the
// change feed: reports that arrive while others are being written go in one transaction of the store, each pod's
// status with the kubelet events it calls for, and each is checked on its own — one naming another host's pod, or a pod
// that is not there, is refused without failing the others; a report that changes nothing writes nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startKubeStore } from "../k8s/support";
import type { SystemClient } from "@/lib/k8s/system-client";
import type { KubeObject } from "@/lib/k8s/meta";
import type { PodStatus } from "@/lib/protocol/pods";

let store: Awaited<ReturnType<typeof startKubeStore>>;
let client: SystemClient;
let PodStatusWriter: typeof import("@/lib/pods/record-pod-status").PodStatusWriter;
let GantryError: typeof import("@/lib/errors").GantryError;

before(async () => {
  store = await startKubeStore();
  client = (await import("@/lib/k8s/system-client")).systemClient("test-dispatch");
  PodStatusWriter = (await import("@/lib/pods/record-pod-status")).PodStatusWriter;
  GantryError = (await import("@/lib/errors")).GantryError;
});

after(async () => {
  await store?.stop();
});

const at = "2026-12-07T12:00:00Z";
const running = (containerID: string): PodStatus => ({
  phase: "Running",
  conditions: [
    { type: "Initialized", status: "True", lastTransitionTime: at },
    { type: "ContainersReady", status: "True", lastTransitionTime: at },
    { type: "Ready", status: "True", lastTransitionTime: at },
  ],
  podIP: "10.1.0.2",
  startTime: at,
  containerStatuses: [{ name: "c", state: { running: { startedAt: at } }, lastState: {}, ready: true, started: true, restartCount: 0, image: "busybox:1.36", imageID: "", containerID }],
  qosClass: "BestEffort",
});

test("reports written together, each with its Started event; another host's pod and an unknown uid refused alone; a repeat writes nothing", async () => {
  const ns = `rs-${process.pid}`;
  await client.create("namespaces", "", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const pods: Record<string, KubeObject> = {};
  for (const [name, node] of [["a", "node-1"], ["b", "node-1"], ["c", "node-2"]] as const) {
    const made = await client.create("pods", ns, { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } });
    pods[name] = await client.bind(ns, name, node);
    assert.equal(pods[name]!.metadata.uid, made.metadata.uid);
  }
  const writer = new PodStatusWriter(client, "test-dispatch");
  const report = (name: string, uid: string) => writer.record({ node: "node-1", msg: { uid, status: running(`gantry://${name.repeat(64)}`) }, at: { namespace: ns, name } });
  // All at once, as a host's statuses arrive when its pods start together: the first is written alone, the other three together.
  const outcomes = await Promise.allSettled([report("a", pods.a!.metadata.uid!), report("b", pods.b!.metadata.uid!), report("c", pods.c!.metadata.uid!), report("b", randomUUID())]);
  assert.deepEqual(outcomes.slice(0, 2), [{ status: "fulfilled", value: "written" }, { status: "fulfilled", value: "written" }]);
  const refused = outcomes.slice(2).map((o) => (o.status === "rejected" && o.reason instanceof GantryError ? `${o.reason.code}: ${o.reason.message}` : JSON.stringify(o)));
  assert.equal(refused[0], `forbidden: pod ${ns}/c is not bound to this host`);
  assert.match(refused[1]!, /^not_found: no pod with uid [0-9a-f-]{36} is bound to this host$/);

  for (const name of ["a", "b"]) {
    const pod = (await client.get("pods", ns, name))!;
    const status = pod.status as { phase: string; podIP: string; conditions: Array<{ type: string; status: string }>; containerStatuses: Array<{ containerID: string }> };
    assert.equal(status.phase, "Running");
    assert.equal(status.containerStatuses[0]!.containerID, `gantry://${name.repeat(64)}`);
    assert.deepEqual(status.conditions.map((c) => `${c.type}=${c.status}`).sort(), ["ContainersReady=True", "Initialized=True", "PodScheduled=True", "Ready=True"], "the scheduler's condition kept");
  }
  assert.equal(((await client.get("pods", ns, "c"))!.status as { phase?: string }).phase, "Pending", "another host's report changed nothing");

  const events = async () => (await client.list("events", { namespace: ns })).items.filter((e) => e.reason === "Started");
  const started = await events();
  assert.deepEqual(
    started.map((e) => [(e.involvedObject as { name: string; fieldPath: string }).name, (e.involvedObject as { fieldPath: string }).fieldPath, (e.source as { host: string }).host, e.count]).sort(),
    [["a", "spec.containers{c}", "node-1", 1], ["b", "spec.containers{c}", "node-1", 1]],
  );
  // The same report again: nothing written, no second Started.
  assert.equal(await report("a", pods.a!.metadata.uid!), "unchanged");
  assert.deepEqual((await events()).map((e) => e.count), [1, 1]);
  // A new container of the same pod (its restart) is Started again: the event is counted, not repeated.
  const restarted = running(`gantry://${"d".repeat(64)}`);
  restarted.containerStatuses[0]!.restartCount = 1;
  restarted.containerStatuses[0]!.state = { running: { startedAt: "2026-12-07T12:00:05Z" } };
  assert.equal(await writer.record({ node: "node-1", msg: { uid: pods.a!.metadata.uid!, status: restarted }, at: { namespace: ns, name: "a" } }), "written");
  assert.deepEqual((await events()).map((e) => [(e.involvedObject as { name: string }).name, e.count]).sort(), [["a", 2], ["b", 1]]);
});
