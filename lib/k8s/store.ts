// Postgres storage of the Kubernetes API's objects (prisma/schema/k8s.prisma).
//
// resourceVersion: one global counter, KubeRevision.current. Every write transaction first locks that row (SELECT … FOR
// UPDATE), so writes are serialized and each gets the next numbers in commit order. A Postgres SEQUENCE would hand out
// numbers before commit and out of commit order, and its last value is visible before the writer commits: a list could
// then report a resourceVersion whose change it does not contain, and a watch resuming after it would miss that change.
// With the counter row, a list reads the objects and the counter in one snapshot, and "every change after N" is exactly
// the KubeEvent rows with resourceVersion > N. The price is one writer at a time across all replicas, which a control
// plane's write rate affords.
//
// Secrets are sealed whole (lib/k8s/secret-box.ts): their rows keep only name, namespace, uid and resourceVersion in
// clear.
//
// Each write appends its change to KubeEvent in the same transaction and sends NOTIFY gantry_k8s (delivered at commit)
// so every replica's change feed (lib/k8s/change-feed.ts) wakes up.
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { KubeObject } from "./meta";
import { resourceByKey, storageKey, type ResourceDef } from "./resources";
import { seal, unseal } from "./secret-box";

export const NOTIFY_CHANNEL = "gantry_k8s";

export type Tx = Prisma.TransactionClient;

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** What a selector-filtered watch needs to know of an object before a change. */
export interface Previous {
  labels: Record<string, string>;
  fields: Record<string, string>;
}

export interface StoredEvent {
  resourceVersion: bigint;
  type: EventType;
  resource: string;
  namespace: string;
  name: string;
  object: KubeObject;
  previous: Previous | null;
}

const where = (resource: string, namespace: string, name: string) => `${resource}/${namespace}/${name}`;

/** For kinds sealed at rest, the row's `object` keeps only the object's identity; the whole object is in `sealed`. */
function sealedOf(def: ResourceDef | undefined, resource: string, obj: KubeObject): { object: KubeObject; sealed: string | null } {
  if (!def?.sealedAtRest) return { object: obj, sealed: null };
  // Besides the identity, what the garbage collector looks objects up by (owners, finalizers, deletion) stays in clear.
  const { name, namespace, uid, resourceVersion, creationTimestamp, deletionTimestamp, ownerReferences, finalizers } = obj.metadata;
  const identity: KubeObject = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp, deletionTimestamp, ownerReferences, finalizers },
  };
  return { object: identity, sealed: seal(JSON.stringify(obj), where(resource, namespace ?? "", name!)) };
}

const defOfKey = resourceByKey;

const META_ORDER = ["name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields"];

/** The object as the API serves it: opened when sealed, fields in Kubernetes' order (jsonb keeps its own). */
function opened(resource: string, namespace: string, name: string, object: unknown, sealed: string | null): KubeObject {
  const whole = (sealed ? JSON.parse(unseal(sealed, where(resource, namespace, name))) : object) as KubeObject;
  const { apiVersion, kind, metadata, ...rest } = whole;
  const meta: Record<string, unknown> = {};
  for (const k of META_ORDER) if (metadata[k] !== undefined) meta[k] = metadata[k];
  for (const [k, v] of Object.entries(metadata)) if (!(k in meta)) meta[k] = v;
  return { apiVersion, kind, metadata: meta, ...rest };
}

// ---- reads ----

export async function readObject(def: ResourceDef, namespace: string, name: string): Promise<KubeObject | null> {
  const resource = storageKey(def);
  const row = await db.kubeObject.findUnique({ where: { resource_namespace_name: { resource, namespace, name } } });
  return row ? opened(resource, row.namespace, row.name, row.object, row.sealed) : null;
}

/** The object with this uid, whatever its resource (a plain read, outside any write lock). */
export async function readByUid(uid: string): Promise<{ resource: string; object: KubeObject } | null> {
  const r = await db.kubeObject.findUnique({ where: { uid } });
  return r ? { resource: r.resource, object: opened(r.resource, r.namespace, r.name, r.object, r.sealed) } : null;
}

export interface Snapshot {
  /** The resourceVersion this snapshot is at: every change up to it is in it, none after. */
  revision: bigint;
  /** Objects of a resource in (namespace, name) order after `after`, `namespace` limiting to one namespace. */
  page(def: ResourceDef, namespace: string | undefined, after: { namespace: string; name: string } | undefined, take: number): Promise<KubeObject[]>;
}

/** Runs `fn` on one consistent snapshot (REPEATABLE READ) of the objects and the revision counter. */
export async function withSnapshot<T>(fn: (s: Snapshot) => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      const rev = await tx.kubeRevision.findUniqueOrThrow({ where: { id: 1 } });
      return fn({
        revision: rev.current,
        async page(def, namespace, after, take) {
          const resource = storageKey(def);
          const rows = await tx.kubeObject.findMany({
            where: {
              resource,
              ...(namespace !== undefined ? { namespace } : {}),
              ...(after ? { OR: [{ namespace: { gt: after.namespace } }, { namespace: after.namespace, name: { gt: after.name } }] } : {}),
            },
            orderBy: [{ namespace: "asc" }, { name: "asc" }],
            take,
          });
          return rows.map((r) => opened(resource, r.namespace, r.name, r.object, r.sealed));
        },
      });
    },
    { isolationLevel: "RepeatableRead", timeout: 60_000, maxWait: 10_000 },
  );
}

export async function currentRevision(): Promise<{ current: bigint; compacted: bigint }> {
  const rev = await db.kubeRevision.findUniqueOrThrow({ where: { id: 1 } });
  return { current: rev.current, compacted: rev.compacted };
}

/** Changes after `after`, oldest first, at most `take`. */
export async function eventsAfter(after: bigint, take: number): Promise<StoredEvent[]> {
  const rows = await db.kubeEvent.findMany({ where: { resourceVersion: { gt: after } }, orderBy: { resourceVersion: "asc" }, take });
  return rows.map((r) => ({
    resourceVersion: r.resourceVersion,
    type: r.type as EventType,
    resource: r.resource,
    namespace: r.namespace,
    name: r.name,
    object: opened(r.resource, r.namespace, r.name, r.object, r.sealed),
    previous: (r.previous as Previous | null) ?? null,
  }));
}

/** Deletes changes recorded before `before` and moves the compaction mark past them. Returns the new mark. */
export async function compactEvents(before: Date): Promise<bigint | null> {
  const rows = await db.$queryRaw<Array<{ compacted: bigint }>>`
    WITH gone AS (DELETE FROM "KubeEvent" WHERE "createdAt" < ${before} RETURNING "resourceVersion")
    UPDATE "KubeRevision" SET "compacted" = GREATEST("compacted", (SELECT max("resourceVersion") FROM gone))
    WHERE "id" = 1 AND EXISTS (SELECT 1 FROM gone)
    RETURNING "compacted"`;
  return rows[0]?.compacted ?? null;
}

/** What the garbage collector sweeps: every object that has owners or waits for a collector's finalizer, with those. */
export async function objectsToCollect(): Promise<Array<{ uid: string; resource: string; metadata: KubeObject["metadata"] }>> {
  return db.$queryRaw<Array<{ uid: string; resource: string; metadata: KubeObject["metadata"] }>>`
    SELECT "uid", "resource", jsonb_build_object(
      'ownerReferences', "object"->'metadata'->'ownerReferences',
      'finalizers', "object"->'metadata'->'finalizers',
      'deletionTimestamp', "object"->'metadata'->'deletionTimestamp') AS "metadata"
    FROM "KubeObject"
    WHERE jsonb_array_length(COALESCE("object"->'metadata'->'ownerReferences', '[]'::jsonb)) > 0
       OR "object"->'metadata'->'finalizers' ?| array['orphan', 'foregroundDeletion']`;
}

/** Objects of a resource not written since `before` (oldest first, at most `take`): expired Events. */
export async function untouchedSince(def: ResourceDef, before: Date, take: number): Promise<Array<{ namespace: string; name: string }>> {
  return db.kubeObject.findMany({ where: { resource: storageKey(def), updatedAt: { lt: before } }, select: { namespace: true, name: true }, orderBy: { updatedAt: "asc" }, take });
}

/** Which of these uids are stored objects. */
export async function existingUids(uids: string[]): Promise<Set<string>> {
  if (!uids.length) return new Set();
  const rows = await db.kubeObject.findMany({ where: { uid: { in: uids } }, select: { uid: true } });
  return new Set(rows.map((r) => r.uid));
}

// ---- writes ----

export interface StoreWriter {
  /** The transaction itself, for what a kind keeps in tables of its own (a Service's cluster IP and node ports). */
  readonly tx: Tx;
  /** The next resourceVersion (the write lock is already held). */
  nextRevision(): bigint;
  get(def: ResourceDef, namespace: string, name: string): Promise<KubeObject | null>;
  /** Every stored object in a namespace, of every resource, with its resource. */
  inNamespace(namespace: string): Promise<Array<{ def: ResourceDef; object: KubeObject }>>;
  /** Objects of a resource in a namespace whose JSON holds `value` at `path` (["involvedObject", "uid"]); not for sealed kinds. */
  whereField(def: ResourceDef, namespace: string, path: string[], value: string): Promise<KubeObject[]>;
  /** whereField for many values in one query: the objects whose text at `path` is any of `values`. */
  whereFieldIn(def: ResourceDef, namespace: string, path: string[], values: string[]): Promise<KubeObject[]>;
  /** The object with this uid, whatever its resource. */
  byUid(uid: string): Promise<{ def: ResourceDef; object: KubeObject } | null>;
  /** Every object with an ownerReference to `uid`. */
  dependentsOf(uid: string): Promise<Array<{ def: ResourceDef; object: KubeObject }>>;
  /** Stores a new object (its metadata.resourceVersion already set) and records ADDED. */
  insert(def: ResourceDef, obj: KubeObject): Promise<void>;
  /** Replaces an object and records MODIFIED. */
  replace(def: ResourceDef, obj: KubeObject, previous: Previous): Promise<void>;
  /** Removes an object and records DELETED with `obj` (the last state, at the deletion's resourceVersion). */
  remove(def: ResourceDef, obj: KubeObject): Promise<void>;
}

class DryRun<T> {
  constructor(readonly result: T) {}
}

/**
 * Runs `fn` holding the write lock; everything it writes commits together. With dryRun, `fn` runs the same way (every
 * check made under the lock) and its writes are rolled back.
 */
export async function writeTransaction<T>(fn: (w: StoreWriter) => Promise<T>, opts: { dryRun?: boolean } = {}): Promise<T> {
  try {
    return await db.$transaction(
      async (tx) => {
        const [rev] = await tx.$queryRaw<Array<{ current: bigint }>>`SELECT "current" FROM "KubeRevision" WHERE "id" = 1 FOR UPDATE`;
        let current = rev!.current;
        const start = current;
        const result = await fn(writer(tx, () => ++current));
        if (opts.dryRun) throw new DryRun(result);
        if (current !== start) {
          await tx.kubeRevision.update({ where: { id: 1 }, data: { current } });
          await tx.$executeRaw`SELECT pg_notify(${NOTIFY_CHANNEL}, ${current.toString()})`;
        }
        return result;
      },
      { timeout: 60_000, maxWait: 20_000 },
    );
  } catch (e) {
    if (e instanceof DryRun) return e.result as T;
    throw e;
  }
}

function writer(tx: Tx, next: () => bigint): StoreWriter {
  const rvOf = (obj: KubeObject) => BigInt(obj.metadata.resourceVersion!);
  const event = (type: EventType, resource: string, obj: KubeObject, stored: { object: KubeObject; sealed: string | null }, previous: Previous | null) =>
    tx.kubeEvent.create({
      data: {
        resourceVersion: rvOf(obj),
        type,
        resource,
        namespace: obj.metadata.namespace ?? "",
        name: obj.metadata.name!,
        object: stored.object as unknown as Prisma.InputJsonValue,
        sealed: stored.sealed,
        previous: (previous ?? undefined) as Prisma.InputJsonValue | undefined,
      },
    });
  return {
    tx,
    nextRevision: next,
    async get(def, namespace, name) {
      const resource = storageKey(def);
      const row = await tx.kubeObject.findUnique({ where: { resource_namespace_name: { resource, namespace, name } } });
      return row ? opened(resource, row.namespace, row.name, row.object, row.sealed) : null;
    },
    async inNamespace(namespace) {
      const rows = await tx.kubeObject.findMany({ where: { namespace }, orderBy: [{ resource: "asc" }, { name: "asc" }] });
      return rows.flatMap((r) => {
        const def = defOfKey(r.resource);
        return def ? [{ def, object: opened(r.resource, r.namespace, r.name, r.object, r.sealed) }] : [];
      });
    },
    async byUid(uid) {
      const r = await tx.kubeObject.findUnique({ where: { uid } });
      const def = r ? defOfKey(r.resource) : undefined;
      return r && def ? { def, object: opened(r.resource, r.namespace, r.name, r.object, r.sealed) } : null;
    },
    async dependentsOf(uid) {
      const rows = await tx.kubeObject.findMany({ where: { object: { path: ["metadata", "ownerReferences"], array_contains: [{ uid }] } }, orderBy: [{ resource: "asc" }, { namespace: "asc" }, { name: "asc" }] });
      return rows.flatMap((r) => {
        const def = defOfKey(r.resource);
        return def ? [{ def, object: opened(r.resource, r.namespace, r.name, r.object, r.sealed) }] : [];
      });
    },
    async whereField(def, namespace, path, value) {
      const resource = storageKey(def);
      const rows = await tx.kubeObject.findMany({ where: { resource, namespace, object: { path, equals: value } }, orderBy: { name: "asc" } });
      return rows.map((r) => opened(resource, r.namespace, r.name, r.object, r.sealed));
    },
    async whereFieldIn(def, namespace, path, values) {
      if (!values.length) return [];
      const resource = storageKey(def);
      const rows = await tx.$queryRaw<Array<{ namespace: string; name: string; object: unknown; sealed: string | null }>>`
        SELECT "namespace", "name", "object", "sealed" FROM "KubeObject"
        WHERE "resource" = ${resource} AND "namespace" = ${namespace} AND ("object" #>> ${path}::text[]) = ANY(${values}::text[])
        ORDER BY "name"`;
      return rows.map((r) => opened(resource, r.namespace, r.name, r.object, r.sealed));
    },
    async insert(def, obj) {
      const resource = storageKey(def);
      const stored = sealedOf(def, resource, obj);
      await tx.kubeObject.create({
        data: {
          uid: obj.metadata.uid!,
          resource,
          namespace: obj.metadata.namespace ?? "",
          name: obj.metadata.name!,
          resourceVersion: rvOf(obj),
          object: stored.object as unknown as Prisma.InputJsonValue,
          sealed: stored.sealed,
        },
      });
      await event("ADDED", resource, obj, stored, null);
    },
    async replace(def, obj, previous) {
      const resource = storageKey(def);
      const stored = sealedOf(def, resource, obj);
      await tx.kubeObject.update({
        where: { resource_namespace_name: { resource, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name! } },
        data: { resourceVersion: rvOf(obj), object: stored.object as unknown as Prisma.InputJsonValue, sealed: stored.sealed, updatedAt: new Date() },
      });
      await event("MODIFIED", resource, obj, stored, previous);
    },
    async remove(def, obj) {
      const resource = storageKey(def);
      await tx.kubeObject.delete({ where: { resource_namespace_name: { resource, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name! } } });
      await event("DELETED", resource, obj, sealedOf(def, resource, obj), null);
    },
  };
}
