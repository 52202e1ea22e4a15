// The control plane's in-process client of the Kubernetes API (lib/k8s/system-client.ts) and its event recorder
// (lib/k8s/events.ts), against a real PostgreSQL with the change feed running: what the scheduler, the controllers and
// the pod glue rely on — validation as the API does it, 409 on a stale resourceVersion, watches in order with 410 Gone
// when too old, and events counted on repeats instead of piling up.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startKubeStore, until } from "./support";
import type { SystemClient } from "@/lib/k8s/system-client";
import type { KubeObject } from "@/lib/k8s/meta";

let store: Awaited<ReturnType<typeof startKubeStore>>;
let client: SystemClient;
let lib: {
  systemClient: typeof import("@/lib/k8s/system-client").systemClient;
  recordEvent: typeof import("@/lib/k8s/events").recordEvent;
  compactEvents: typeof import("@/lib/k8s/store").compactEvents;
  KubeError: typeof import("@/lib/k8s/status").KubeError;
};

before(async () => {
  store = await startKubeStore();
  lib = {
    systemClient: (await import("@/lib/k8s/system-client")).systemClient,
    recordEvent: (await import("@/lib/k8s/events")).recordEvent,
    compactEvents: (await import("@/lib/k8s/store")).compactEvents,
    KubeError: (await import("@/lib/k8s/status")).KubeError,
  };
  client = lib.systemClient("test-controller");
});

after(async () => {
  await store?.stop();
});

let counter = 0;
async function namespace(): Promise<string> {
  const ns = `sys-${process.pid}-${++counter}`;
  await client.create("namespaces", "", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  return ns;
}

const cm = (name: string, data: Record<string, string> = {}, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...extra },
  data,
});

async function rejects(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof lib.KubeError, `a KubeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test("create, get, list and update go through the API's validation and concurrency rules, with the component as field manager", async () => {
  const ns = await namespace();
  const made = await client.create("configmaps", ns, cm("", { a: "1" }, { generateName: "gen-", labels: { app: "x" } }));
  assert.match(made.metadata.name!, /^gen-[a-z0-9]{5}$/);
  assert.equal(made.metadata.namespace, ns);
  assert.equal((made.metadata.managedFields as Array<{ manager: string }>)[0]!.manager, "test-controller");

  // Validation is the API's: a bad key is a 422 naming the field, an unknown field is named too (strict decoding).
  await rejects(client.create("configmaps", ns, cm("bad", { "a b": "1" })), 422, /data: Invalid value: "a b"/);
  await rejects(client.create("configmaps", ns, { ...cm("bad"), datum: {} }), 400, /unknown field "datum"/);
  await rejects(client.create("configmaps", "no-such-namespace", cm("x")), 404, /namespaces "no-such-namespace" not found/);
  assert.equal(await client.get("configmaps", ns, "bad"), null);

  assert.deepEqual((await client.get("configmaps", ns, made.metadata.name!))?.data, { a: "1" });
  await client.create("configmaps", ns, cm("other"));
  const listed = await client.list("configmaps", { namespace: ns, labelSelector: "app=x" });
  assert.deepEqual(listed.items.map((o) => o.metadata.name), [made.metadata.name]);
  assert.match(listed.resourceVersion, /^\d+$/);
  assert.equal((await client.list("configmaps", { namespace: ns, fieldSelector: "metadata.name=other" })).items.length, 1);

  // An update with the resourceVersion read wins once; the second with the same (now stale) one is a 409 Conflict.
  const updated = await client.update("configmaps", ns, { ...made, data: { a: "2" } });
  assert.notEqual(updated.metadata.resourceVersion, made.metadata.resourceVersion);
  await rejects(client.update("configmaps", ns, { ...made, data: { a: "3" } }), 409, /the object has been modified/);
  // ConfigMaps have no status subresource.
  await rejects(client.updateStatus("configmaps", ns, updated), 404, /could not find the requested resource/);

  // Delete: the object's last state; deleting what is gone is null, not an error.
  const gone = await client.delete("configmaps", ns, "other");
  assert.equal(gone?.metadata.name, "other");
  assert.equal(await client.delete("configmaps", ns, "other"), null);
  await rejects(client.delete("configmaps", ns, made.metadata.name!, { preconditions: { uid: "not-its-uid" } }), 409, /Precondition failed: UID/);
  await assert.rejects(client.get("widgets", ns, "x"), /serves no resource "widgets"/);
});

test("watch delivers every change after a list's resourceVersion in order, and says Gone when that is too old", async () => {
  const ns = await namespace();
  await client.create("configmaps", ns, cm("before"));
  const { resourceVersion } = await client.list("configmaps", { namespace: ns });
  const seen: Array<[string, string, string]> = [];
  let gone = 0;
  const stop = client.watch("configmaps", resourceVersion, (type, obj) => {
    if (obj.metadata.namespace === ns) seen.push([type, obj.metadata.name!, String((obj.data as Record<string, string> | undefined)?.v ?? "")]);
  }, () => gone++);
  try {
    const a = await client.create("configmaps", ns, cm("a", { v: "1" }));
    await client.update("configmaps", ns, { ...a, data: { v: "2" } });
    await client.delete("configmaps", ns, "a");
    await until(() => seen.length >= 3, 10_000, "three watch events");
    assert.deepEqual(seen, [["ADDED", "a", "1"], ["MODIFIED", "a", "2"], ["DELETED", "a", "2"]]);
    assert.equal(gone, 0);
  } finally {
    stop();
  }
  // After stop, nothing more arrives.
  await client.create("configmaps", ns, cm("after"));
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(seen.length, 3);

  // The change log compacted past the resourceVersion: onGone, once, and no events.
  await lib.compactEvents(new Date(Date.now() + 1000));
  let goneNow = 0;
  const events: string[] = [];
  const stop2 = client.watch("configmaps", resourceVersion, (type) => events.push(type), () => goneNow++);
  try {
    await until(() => goneNow === 1, 10_000, "onGone");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(goneNow, 1);
    assert.deepEqual(events, []);
  } finally {
    stop2();
  }
});

test("recordEvent writes a v1 Event about an object and counts repeats on it, as kube's event recorder does", async () => {
  const ns = await namespace();
  const target = await client.create("configmaps", ns, cm("target"));
  const first = await lib.recordEvent("test-controller", target, "Warning", "FailedScheduling", "0/2 nodes are available", { now: new Date("2030-01-01T00:00:00Z") });
  assert.ok(first);
  assert.match(first.metadata.name!, /^target\.[0-9a-f]+$/);
  assert.deepEqual(first.involvedObject, {
    kind: "ConfigMap", namespace: ns, name: "target", uid: target.metadata.uid, apiVersion: "v1", resourceVersion: target.metadata.resourceVersion,
  });
  assert.deepEqual([first.count, first.type, first.reason, first.firstTimestamp, first.lastTimestamp], [1, "Warning", "FailedScheduling", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z"]);
  assert.deepEqual(first.source, { component: "test-controller" });

  const again = await lib.recordEvent("test-controller", target, "Warning", "FailedScheduling", "0/2 nodes are available", { now: new Date("2030-01-01T00:00:30Z") });
  assert.equal(again?.metadata.name, first.metadata.name);
  assert.deepEqual([again?.count, again?.firstTimestamp, again?.lastTimestamp], [2, "2030-01-01T00:00:00Z", "2030-01-01T00:00:30Z"]);
  // A different message, reason or component is an event of its own.
  await lib.recordEvent("test-controller", target, "Warning", "FailedScheduling", "0/3 nodes are available");
  await lib.recordEvent("other-component", target, "Warning", "FailedScheduling", "0/2 nodes are available");
  await lib.recordEvent("test-controller", target, "Normal", "Scheduled", "assigned", { fieldPath: "spec.containers{web}", host: "h1" });
  const events = (await client.list("events", { namespace: ns, fieldSelector: "involvedObject.name=target" })).items;
  assert.equal(events.length, 4);
  assert.deepEqual(events.map((e) => e.count).sort(), [1, 1, 1, 2]);
  const scheduled = events.find((e) => e.reason === "Scheduled")!;
  assert.deepEqual(scheduled.source, { component: "test-controller", host: "h1" });
  assert.equal((scheduled.involvedObject as { fieldPath?: string }).fieldPath, "spec.containers{web}");

  // A cluster-scoped object's events go to the default namespace.
  const nsEvent = await lib.recordEvent("test-controller", { kind: "Node", apiVersion: "v1", name: "host-1", uid: "u-1" }, "Normal", "NodeReady", "ready");
  assert.equal(nsEvent?.metadata.namespace, "default");
  // Nothing to record it in: null, never a throw.
  assert.equal(await lib.recordEvent("test-controller", { kind: "ConfigMap", namespace: "no-such-ns", name: "x" }, "Normal", "R", "m"), null);
});

test("pods through the system client: bind once, status written apart, graceful delete then removal with grace 0", async () => {
  const ns = await namespace();
  const pod = await client.create("pods", ns, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { generateName: "web-", labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "nginx:1.25" }] },
  });
  assert.equal((pod.spec as { restartPolicy?: string }).restartPolicy, "Always", "defaults as an API create");
  const name = pod.metadata.name!;

  // The scheduler binds it once; a stale precondition or a second binding is a Conflict.
  await rejects(client.bind(ns, name, "host-a", { resourceVersion: "1" }), 409, /the object has been modified/);
  const bound = await client.bind(ns, name, "host-a", { uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion });
  assert.equal((bound.spec as { nodeName?: string }).nodeName, "host-a");
  assert.deepEqual((bound.status as { conditions: Array<{ type: string; status: string }> }).conditions.map((c) => [c.type, c.status]), [["PodScheduled", "True"]]);
  await rejects(client.bind(ns, name, "host-b"), 409, /already assigned to node "host-a"/);
  assert.equal((await client.list("pods", { namespace: ns, fieldSelector: "spec.nodeName=host-a" })).items.length, 1);

  // The agent's status goes through updateStatus; update leaves status alone.
  const running = await client.updateStatus("pods", ns, { ...bound, status: { ...(bound.status as object), phase: "Running", podIP: "10.0.0.9" } });
  assert.equal((running.status as { phase: string }).phase, "Running");
  const labelled = await client.update("pods", ns, { ...running, metadata: { ...running.metadata, labels: { app: "web", x: "y" } }, status: { phase: "Failed" } });
  assert.equal((labelled.status as { phase: string; podIP: string }).phase, "Running");

  // Deleting a running pod on a node keeps it, marked; the pod glue's delete with grace 0 removes it.
  const marked = await client.delete("pods", ns, name);
  assert.ok(marked?.metadata.deletionTimestamp);
  assert.equal(marked?.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(await client.get("pods", ns, name));
  await rejects(client.bind(ns, name, "host-c"), 409, /already assigned|being deleted/);
  const gone = await client.delete("pods", ns, name, { gracePeriodSeconds: 0 });
  assert.equal(gone?.metadata.name, name);
  assert.equal(await client.get("pods", ns, name), null);
});

test("the garbage collector in process: a system client's delete of an owner takes its dependents; Events expire after their TTL", async () => {
  const gc = await import("@/lib/k8s/garbage-collector");
  const { db } = await import("@/lib/db");
  gc.startGarbageCollector({ resyncMs: 3_600_000, eventTtlSeconds: 3600 });
  try {
    const ns = await namespace();
    const owner = await client.create("configmaps", ns, cm("owner"));
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
    await client.create("configmaps", ns, cm("dep", {}, { ownerReferences: [ref] }));
    await client.delete("configmaps", ns, "owner");
    await until(async () => (await client.get("configmaps", ns, "dep")) === null, 10_000, "the dependent to be collected");

    const old = await lib.recordEvent("test-controller", { kind: "ConfigMap", namespace: ns, name: "x", uid: "u-old" }, "Normal", "Old", "long ago");
    const fresh = await lib.recordEvent("test-controller", { kind: "ConfigMap", namespace: ns, name: "x", uid: "u-new" }, "Normal", "New", "just now");
    await db.kubeObject.update({ where: { uid: old!.metadata.uid! }, data: { updatedAt: new Date(Date.now() - 2 * 3600_000) } });
    await gc.sweepGarbage();
    assert.equal(await client.get("events", ns, old!.metadata.name!), null, "an Event untouched for over an hour is removed");
    assert.ok(await client.get("events", ns, fresh!.metadata.name!));
  } finally {
    await gc.stopGarbageCollector();
  }
});
