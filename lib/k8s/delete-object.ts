// DELETE …/{resource}/{name}, as kube-apiserver deletes:
//   - An object with finalizers is not removed: it gets metadata.deletionTimestamp (and deletionGracePeriodSeconds 0)
//     and stays until every finalizer is gone — removed by an update (lib/k8s/replace-stored.ts), not by another delete.
//   - propagationPolicy: Background (the default) removes the object now and leaves its dependents to the garbage
//     collector (lib/k8s/garbage-collector.ts); Foreground adds the foregroundDeletion finalizer (the collector deletes
//     the dependents, then lifts it); Orphan adds the orphan finalizer (the collector takes the object out of its
//     dependents' ownerReferences, then lifts it).
//   - A Pod bound to a node (spec.nodeName) and not Succeeded/Failed is deleted gracefully: deletionTimestamp is now
//     plus the grace period (DeleteOptions.gracePeriodSeconds, else spec.terminationGracePeriodSeconds) and
//     deletionGracePeriodSeconds says it; it stays until its node reports its containers gone and the pod glue deletes
//     it with gracePeriodSeconds 0. A grace period of 0, an unbound pod or a finished one goes at once; a second delete
//     may only shorten the grace period.
// Deleting a Namespace deletes everything in it at once, each with a DELETED event; default, kube-public and
// kube-system stay. Preconditions (uid, resourceVersion) in the DeleteOptions are checked.
import type { Actor } from "@/lib/auth/policy";
import { authorizeKube } from "./authorize";
import { clone } from "./canonical";
import { PROTECTED_NAMESPACES, namespaceResource } from "./kinds/namespace";
import { isTerminal, podResource } from "./kinds/pod";
import type { PodSpec } from "./kinds/pod-types";
import { rfc3339, type KubeObject } from "./meta";
import type { ResourceDef } from "./resources";
import { previousOf } from "./selectors";
import { t } from "./schema";
import { badRequest, conflict, forbiddenFor, notFound } from "./status";
import { writeTransaction, type StoreWriter } from "./store";

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: PropagationPolicy;
  /** Deprecated form of propagationPolicy Orphan (true) / Background (false). */
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  dryRun?: string[];
}

export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

export interface DeleteInput {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  name: string;
  options?: DeleteOptions;
  dryRun?: boolean;
}

/** DeleteOptions in a protobuf body (kubectl drain deletes pods through its typed client), as generated.proto numbers
 *  them; gracePeriodSeconds is a pointer, so a 0 sent is a 0 read. */
export const deleteOptionsProtoSchema = t.object(
  {
    gracePeriodSeconds: { ...t.int(undefined, "int64"), pointer: true },
    preconditions: t.object({ uid: t.string(), resourceVersion: t.string() }, { proto: { uid: 1, resourceVersion: 2 } }),
    orphanDependents: { ...t.bool(), pointer: true },
    propagationPolicy: t.string(),
    dryRun: t.array(t.string()),
  },
  { proto: { gracePeriodSeconds: 1, preconditions: 2, orphanDependents: 3, propagationPolicy: 4, dryRun: 5 } },
);

/** Reads a DeleteOptions body (kubectl sends one with propagationPolicy, gracePeriodSeconds and sometimes preconditions). */
export function parseDeleteOptions(body: unknown): DeleteOptions {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) throw badRequest("the DeleteOptions body must be a JSON object");
  const o = body as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== "DeleteOptions") throw badRequest(`the body of a delete must be DeleteOptions, not ${String(o.kind)}`);
  const p = o.propagationPolicy;
  if (p !== undefined && p !== null && p !== "Orphan" && p !== "Background" && p !== "Foreground")
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan"`, [
      { field: "propagationPolicy", message: `Unsupported value: ${JSON.stringify(p)}` },
    ]);
  const g = o.gracePeriodSeconds;
  if (g !== undefined && g !== null && (typeof g !== "number" || !Number.isInteger(g) || g < 0))
    throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(g)}: must be a non-negative integer`, [{ field: "gracePeriodSeconds", message: "must be a non-negative integer" }]);
  if (o.orphanDependents !== undefined && o.orphanDependents !== null && typeof o.orphanDependents !== "boolean")
    throw badRequest("orphanDependents: must be a boolean", [{ field: "orphanDependents", message: "must be a boolean" }]);
  if (typeof o.orphanDependents === "boolean" && typeof p === "string")
    throw badRequest("orphanDependents and propagationPolicy may not both be set", [{ field: "propagationPolicy", message: "may not be set with orphanDependents" }]);
  return {
    ...(o.preconditions && typeof o.preconditions === "object" ? { preconditions: o.preconditions as DeleteOptions["preconditions"] } : {}),
    ...(typeof p === "string" ? { propagationPolicy: p as PropagationPolicy } : {}),
    ...(typeof o.orphanDependents === "boolean" ? { orphanDependents: o.orphanDependents } : {}),
    ...(typeof g === "number" ? { gracePeriodSeconds: g } : {}),
    ...(Array.isArray(o.dryRun) ? { dryRun: o.dryRun as string[] } : {}),
  };
}

export interface Deleted {
  /** The object as it is now: with deletionTimestamp when it stays, its last state when it was removed. */
  object: KubeObject;
  removed: boolean;
}

export async function deleteObject(input: DeleteInput): Promise<Deleted> {
  authorizeKube(input.actor, input.def, "delete", input.namespace, input.name);
  return deleteTrusted(input);
}

/** The delete itself, for a caller already authorized (the API, above) or the control plane's own (the system client). */
export async function deleteTrusted(input: Omit<DeleteInput, "actor">): Promise<Deleted> {
  const { def, namespace, name } = input;
  const dryRun = input.dryRun || (input.options?.dryRun?.length ?? 0) > 0;
  return writeTransaction(async (w) => {
    const old = await w.get(def, namespace ?? "", name);
    if (!old) throw notFound(def, name);
    const pre = input.options?.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid)
      throw conflict(def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw conflict(def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    return deleteStored(w, def, old, input.options ?? {});
  }, { dryRun });
}

/** The grace period a pod's deletion gets: 0 when nothing runs it (unbound or finished), else the asked or its own. */
function podGracePeriod(pod: KubeObject, options: DeleteOptions): number {
  if (!(pod.spec as PodSpec | undefined)?.nodeName || isTerminal(pod)) return 0;
  return options.gracePeriodSeconds ?? (pod.spec as PodSpec).terminationGracePeriodSeconds ?? 30;
}

/** The finalizers after a delete asking for `policy` (unchanged when it asks for none). */
function finalizersFor(current: readonly string[], options: DeleteOptions): string[] {
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? "Orphan" : options.orphanDependents === false ? "Background" : undefined);
  if (!policy) return [...current];
  const rest = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === "Orphan") return [...rest, ORPHAN_FINALIZER];
  if (policy === "Foreground") return [...rest, FOREGROUND_FINALIZER];
  return rest;
}

/** Deletes `old` (read under this write lock) as DeleteOptions ask: removed now, or marked for deletion and kept. */
export async function deleteStored(w: StoreWriter, def: ResourceDef, old: KubeObject, options: DeleteOptions, now = new Date()): Promise<Deleted> {
  if (def === namespaceResource) return { object: await removeStored(w, def, old), removed: true };
  const meta = old.metadata;
  const finalizers = finalizersFor(meta.finalizers ?? [], options);
  const sameFinalizers = finalizers.length === (meta.finalizers ?? []).length && finalizers.every((f, i) => f === meta.finalizers![i]);
  const grace = def === podResource ? podGracePeriod(old, options) : 0;

  if (meta.deletionTimestamp) {
    // Already being deleted: a shorter grace period (a pod's) and a change of propagation policy are all it can take.
    const currentGrace = meta.deletionGracePeriodSeconds ?? 0;
    const nextGrace = def === podResource && grace < currentGrace ? grace : currentGrace;
    if (finalizers.length === 0 && nextGrace === 0) return { object: await removeStored(w, def, old), removed: true };
    if (nextGrace === currentGrace && sameFinalizers) return { object: old, removed: false };
    const next = clone(old);
    if (nextGrace !== currentGrace) {
      next.metadata.deletionGracePeriodSeconds = nextGrace;
      next.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + nextGrace * 1000));
    }
    if (finalizers.length) next.metadata.finalizers = finalizers;
    else delete next.metadata.finalizers;
    return { object: await markStored(w, def, old, next), removed: false };
  }

  if (finalizers.length === 0 && grace === 0) return { object: await removeStored(w, def, old), removed: true };
  const next = clone(old);
  next.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
  next.metadata.deletionGracePeriodSeconds = grace;
  if (finalizers.length) next.metadata.finalizers = finalizers;
  else delete next.metadata.finalizers;
  // As kube-apiserver does, an object that counts generations sees one more when its deletion starts.
  if (next.metadata.generation !== undefined) next.metadata.generation += 1;
  return { object: await markStored(w, def, old, next), removed: false };
}

/** Stores what a delete changed of an object it keeps (deletion marks, finalizers), as a MODIFIED change. */
async function markStored(w: StoreWriter, def: ResourceDef, old: KubeObject, next: KubeObject): Promise<KubeObject> {
  next.metadata.resourceVersion = w.nextRevision().toString();
  await w.replace(def, next, previousOf(def, old));
  return next;
}

/** Removes one object (and a namespace's contents) under the write lock; returns the object as deleted. */
export async function removeStored(w: StoreWriter, def: ResourceDef, old: KubeObject): Promise<KubeObject> {
  if (def === namespaceResource) {
    const name = old.metadata.name!;
    if ((PROTECTED_NAMESPACES as readonly string[]).includes(name)) throw forbiddenFor(def, name, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    for (const { def: inner, object } of await w.inNamespace(name)) {
      object.metadata.resourceVersion = w.nextRevision().toString();
      await w.remove(inner, object);
    }
  }
  const gone: KubeObject = { ...old, metadata: { ...old.metadata, resourceVersion: w.nextRevision().toString() } };
  await w.remove(def, gone);
  return gone;
}
