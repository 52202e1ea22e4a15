// The garbage collector: objects whose owners (metadata.ownerReferences) are gone are deleted, as
// kube-controller-manager's garbage collector does. One loop per control-plane process, fed by the change feed:
//   - an object removed: its dependents are looked at — those left with no owner are deleted (with Foreground when
//     they carry the foregroundDeletion finalizer, Orphan with orphan, else Background), references to owners that are
//     gone are dropped from those that keep another owner;
//   - an object being deleted with the orphan finalizer: it is taken out of its dependents' ownerReferences, then the
//     finalizer is lifted (and the object goes);
//   - an object being deleted with the foregroundDeletion finalizer: its dependents are deleted (those that have
//     dependents of their own in the foreground too), and once none that blocks its deletion (blockOwnerDeletion) is
//     left, the finalizer is lifted;
//   - an object removed that had owners: an owner waiting for its dependents is looked at again.
// A sweep of every owned object at start and every `resyncMs` catches what happened while no collector ran; it also
// removes Events not recorded again for `eventTtlSeconds` (kube-apiserver's --event-ttl, one hour). Replicas may each
// run one: every step re-reads under the write lock, so doing one twice is harmless.
import { canonicalJson, clone } from "./canonical";
import { changeFeed } from "./change-feed";
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, deleteStored, removeStored, type PropagationPolicy } from "./delete-object";
import { eventResource } from "./kinds/event";
import type { KubeObject } from "./meta";
import { replaceStored } from "./replace-stored";
import { allResources, resourceByKey, storageKey, type ResourceDef } from "./resources";
import { existingUids, objectsToCollect, readByUid, untouchedSince, writeTransaction, type StoredEvent, type StoreWriter } from "./store";

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

const MANAGER = { manager: "garbage-collector", operation: "Update" as const };
const ownersOf = (o: KubeObject) => (o.metadata.ownerReferences ?? []) as unknown as OwnerReference[];
const has = (o: KubeObject, finalizer: string) => (o.metadata.finalizers ?? []).includes(finalizer);
const apiVersionOfDef = (d: ResourceDef) => (d.group ? `${d.group}/${d.version}` : d.version);

type OwnerState = "present" | "absent" | "waiting" | "unknown";

/** Where an owner stands: there, gone, there but waiting for its dependents to go (foreground), or of a kind not served. */
async function ownerState(w: StoreWriter, dependent: KubeObject, ref: OwnerReference): Promise<OwnerState> {
  const def = allResources().find((d) => d.kind === ref.kind && apiVersionOfDef(d) === ref.apiVersion);
  if (!def) return "unknown";
  if (def.source) {
    const o = await def.source.get(ref.name);
    return o && o.metadata.uid === ref.uid ? "present" : "absent";
  }
  const found = await w.byUid(ref.uid);
  if (!found || found.def !== def) return "absent";
  // A namespaced owner of a namespaced dependent is in the dependent's namespace, or it is not its owner.
  if (def.namespaced && (found.object.metadata.namespace ?? "") !== (dependent.metadata.namespace ?? "")) return "absent";
  return found.object.metadata.deletionTimestamp && has(found.object, FOREGROUND_FINALIZER) ? "waiting" : "present";
}

function policyOf(o: KubeObject): PropagationPolicy {
  if (has(o, ORPHAN_FINALIZER)) return "Orphan";
  if (has(o, FOREGROUND_FINALIZER)) return "Foreground";
  return "Background";
}

/** Reads an object again under the write lock, by uid; null when it is gone (or is another object now). */
async function reread(w: StoreWriter, uid: string): Promise<{ def: ResourceDef; object: KubeObject } | null> {
  return w.byUid(uid);
}

/** Whether every owner of a dependent is plainly there (a read without the write lock: the common case costs no write). */
async function ownersAllThere(uid: string): Promise<boolean> {
  const found = await readByUid(uid);
  if (!found) return true;
  for (const ref of ownersOf(found.object)) {
    const def = allResources().find((d) => d.kind === ref.kind && apiVersionOfDef(d) === ref.apiVersion);
    if (!def || def.source) return false;
    const owner = await readByUid(ref.uid);
    if (!owner || owner.resource !== storageKey(def) || (owner.object.metadata.deletionTimestamp && has(owner.object, FOREGROUND_FINALIZER))) return false;
  }
  return true;
}

/** Whether an object is being deleted and holds `finalizer` (a read without the write lock). */
async function deletingWith(uid: string, finalizer: string): Promise<boolean> {
  const found = await readByUid(uid);
  return !!found?.object.metadata.deletionTimestamp && has(found.object, finalizer);
}

/** A dependent whose owners may be gone: deleted when none is left, its dead references dropped otherwise. */
async function attemptToDelete(uid: string): Promise<void> {
  if (await ownersAllThere(uid)) return;
  await writeTransaction(async (w) => {
    const found = await reread(w, uid);
    if (!found) return;
    const { def, object } = found;
    const refs = ownersOf(object);
    if (!refs.length) return;
    const states = await Promise.all(refs.map((r) => ownerState(w, object, r)));
    if (states.includes("unknown")) return;
    const solid = states.filter((s) => s === "present").length;
    const dead = refs.filter((_, i) => states[i] === "absent" || (solid > 0 && states[i] === "waiting"));
    if (solid > 0) {
      if (!dead.length) return;
      const next = clone(object);
      next.metadata.ownerReferences = refs.filter((r) => !dead.includes(r)) as unknown as Array<Record<string, unknown>>;
      await replaceStored(w, def, object, next, MANAGER);
      return;
    }
    if (object.metadata.deletionTimestamp) return; // already on its way
    // Every owner is gone or waits for its dependents: this one goes — in the foreground when an owner waits on it
    // and it has dependents of its own, so the owner's wait covers them too.
    const waitedOn = states.some((s) => s === "waiting");
    const policy: PropagationPolicy = waitedOn && (await w.dependentsOf(uid)).length > 0 ? "Foreground" : policyOf(object);
    await deleteStored(w, def, object, { propagationPolicy: policy });
  });
}

/** An owner deleted with propagationPolicy Orphan: its dependents forget it, then its orphan finalizer is lifted. */
async function orphanDependents(uid: string): Promise<void> {
  if (!(await deletingWith(uid, ORPHAN_FINALIZER))) return;
  await writeTransaction(async (w) => {
    const found = await reread(w, uid);
    if (!found || !found.object.metadata.deletionTimestamp || !has(found.object, ORPHAN_FINALIZER)) return;
    for (const { def, object } of await w.dependentsOf(uid)) {
      const next = clone(object);
      next.metadata.ownerReferences = ownersOf(object).filter((r) => r.uid !== uid) as unknown as Array<Record<string, unknown>>;
      if (!next.metadata.ownerReferences.length) delete next.metadata.ownerReferences;
      await replaceStored(w, def, object, next, MANAGER);
    }
    await liftFinalizer(w, found.def, found.object, ORPHAN_FINALIZER);
  });
}

/** An owner deleted with propagationPolicy Foreground: its dependents are deleted; it goes when none blocks it. */
async function deleteDependentsFirst(uid: string): Promise<string[]> {
  const toDelete: string[] = [];
  if (!(await deletingWith(uid, FOREGROUND_FINALIZER))) return toDelete;
  await writeTransaction(async (w) => {
    const found = await reread(w, uid);
    if (!found || !found.object.metadata.deletionTimestamp || !has(found.object, FOREGROUND_FINALIZER)) return;
    const dependents = await w.dependentsOf(uid);
    for (const { object } of dependents) if (!object.metadata.deletionTimestamp) toDelete.push(object.metadata.uid!);
    const blocking = dependents.filter(({ object }) => ownersOf(object).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) await liftFinalizer(w, found.def, found.object, FOREGROUND_FINALIZER);
  });
  return toDelete;
}

async function liftFinalizer(w: StoreWriter, def: ResourceDef, object: KubeObject, finalizer: string): Promise<void> {
  const next = clone(object);
  next.metadata.finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
  await replaceStored(w, def, object, next, MANAGER);
}

type Work = { kind: "dependent" | "orphan" | "foreground" | "dependentsOf"; uid: string };

class GarbageCollector {
  private queue: Work[] = [];
  private queued = new Set<string>();
  private running = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly resyncMs: number,
    private readonly eventTtlSeconds: number,
  ) {}

  start(): void {
    this.unsubscribe = changeFeed().subscribe((e) => this.observe(e));
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.resyncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.idle;
  }

  /** The ownerReferences last looked at per dependent, so a change that leaves them alone (a pod's status) costs nothing. */
  private seenOwners = new Map<string, string>();

  private observe(e: StoredEvent): void {
    const o = e.object;
    const uid = o.metadata.uid;
    if (!uid) return;
    if (e.type === "DELETED") {
      this.seenOwners.delete(uid);
      this.add({ kind: "dependentsOf", uid });
      for (const r of ownersOf(o)) this.add({ kind: "foreground", uid: r.uid });
      return;
    }
    if (o.metadata.deletionTimestamp && has(o, ORPHAN_FINALIZER)) this.add({ kind: "orphan", uid });
    if (o.metadata.deletionTimestamp && has(o, FOREGROUND_FINALIZER)) this.add({ kind: "foreground", uid });
    const owners = ownersOf(o);
    const key = canonicalJson(owners.map((r) => r.uid));
    if (owners.length && this.seenOwners.get(uid) !== key) {
      this.seenOwners.set(uid, key);
      this.add({ kind: "dependent", uid });
    } else if (!owners.length) this.seenOwners.delete(uid);
  }

  private add(work: Work): void {
    const key = `${work.kind}/${work.uid}`;
    if (this.stopped || this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(work);
    if (!this.running) this.idle = this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        const work = this.queue.shift();
        if (!work) return;
        this.queued.delete(`${work.kind}/${work.uid}`);
        try {
          await this.run(work);
        } catch (e) {
          // Conflicts with a concurrent writer are retried by the next change or sweep; anything else is logged.
          const code = (e as { code?: unknown }).code;
          if (code !== 409 && code !== 404) console.error(`[gantry] garbage collector (${work.kind} ${work.uid}):`, e instanceof Error ? e.message : e);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async run(work: Work): Promise<void> {
    switch (work.kind) {
      case "dependent":
        return attemptToDelete(work.uid);
      case "orphan":
        return orphanDependents(work.uid);
      case "foreground":
        for (const dep of await deleteDependentsFirst(work.uid)) this.add({ kind: "dependent", uid: dep });
        return;
      case "dependentsOf": {
        const deps = await writeTransaction(async (w) => (await w.dependentsOf(work.uid)).map(({ object }) => object.metadata.uid!));
        for (const dep of deps) this.add({ kind: "dependent", uid: dep });
        return;
      }
    }
  }

  /** Looks at every object with owners or a collector's finalizer (what changed while no collector ran). */
  async sweep(): Promise<void> {
    try {
      const rows = (await objectsToCollect()).filter((r) => resourceByKey(r.resource));
      const owners = await existingUids([...new Set(rows.flatMap((r) => ((r.metadata.ownerReferences ?? []) as unknown as OwnerReference[]).map((o) => o.uid)))]);
      const deletingUids = new Set(rows.filter((r) => r.metadata.deletionTimestamp).map((r) => r.uid));
      for (const row of rows) {
        const meta = row.metadata;
        const deleting = !!meta.deletionTimestamp;
        if (deleting && meta.finalizers?.includes(ORPHAN_FINALIZER)) this.add({ kind: "orphan", uid: row.uid });
        if (deleting && meta.finalizers?.includes(FOREGROUND_FINALIZER)) this.add({ kind: "foreground", uid: row.uid });
        // A dependent is looked at when an owner is not stored (gone, or of a kind served from elsewhere) or waits.
        const refs = (meta.ownerReferences ?? []) as unknown as OwnerReference[];
        if (refs.some((r) => !owners.has(r.uid) || deletingUids.has(r.uid)))
          this.add({ kind: "dependent", uid: row.uid });
      }
      await this.expireEvents();
    } catch (e) {
      console.error("[gantry] garbage collector sweep:", e instanceof Error ? e.message : e);
    }
  }

  private async expireEvents(): Promise<void> {
    const before = new Date(Date.now() - this.eventTtlSeconds * 1000);
    for (;;) {
      const expired = await untouchedSince(eventResource, before, 200);
      if (!expired.length) return;
      await writeTransaction(async (w) => {
        for (const { namespace, name } of expired) {
          const ev = await w.get(eventResource, namespace, name);
          if (ev) await removeStored(w, eventResource, ev);
        }
      });
      if (expired.length < 200) return;
    }
  }

  /** Resolves once nothing is queued (tests). */
  async settled(): Promise<void> {
    while (this.running || this.queue.length) await this.idle;
  }
}

const KEY = Symbol.for("gantry.k8s.garbage-collector");
const store = globalThis as unknown as { [KEY]?: GarbageCollector };

/** Starts this process's collector (the change feed must be running). `resyncMs`: how often it sweeps everything. */
export function startGarbageCollector(opts: { resyncMs?: number; eventTtlSeconds?: number } = {}): void {
  if (store[KEY]) return;
  const ttl = opts.eventTtlSeconds ?? Number(process.env.GANTRY_K8S_EVENT_TTL_SECONDS ?? 3600);
  if (!Number.isFinite(ttl) || ttl <= 0) throw new Error("GANTRY_K8S_EVENT_TTL_SECONDS must be a positive number of seconds");
  const gc = new GarbageCollector(opts.resyncMs ?? 30_000, ttl);
  store[KEY] = gc;
  gc.start();
}

export async function stopGarbageCollector(): Promise<void> {
  await store[KEY]?.stop();
  delete store[KEY];
}

/** Sweeps now (what the timer does every resyncMs) and waits for what it queued. */
export async function sweepGarbage(): Promise<void> {
  await store[KEY]?.sweep();
  await store[KEY]?.settled();
}

/** Waits until the running collector has nothing queued. */
export async function garbageCollectorSettled(): Promise<void> {
  await store[KEY]?.settled();
}
