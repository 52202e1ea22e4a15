// The common end of update (PUT), patch and server-side apply: a candidate object replaces the stored one, under the
// write lock. A resourceVersion or uid in the candidate is a precondition (409 Conflict when stale); the server's
// metadata fields are carried over; a change that changes nothing keeps the old resourceVersion, as Kubernetes does.
// On an object being deleted no finalizer may be added, and the write that takes away the last one removes it.
import { normalizeAndValidate } from "./admit";
import { canonicalJson, clone } from "./canonical";
import { nextManagedFields, type FieldManager, type FieldPath } from "./managed-fields";
import { metaForUpdate, type KubeObject } from "./meta";
import type { ResourceDef } from "./resources";
import { previousOf } from "./selectors";
import { badRequest, conflict, invalid, staleResourceVersion } from "./status";
import { removeStored } from "./delete-object";
import type { StoreWriter } from "./store";

export interface ReplaceOptions {
  /** The fields of a server-side apply configuration, which its manager then owns exactly. */
  applied?: Set<FieldPath>;
  /** "status": a write through the status subresource — only .status changes, everything else is the stored object's.
   *  "binding": a pod's binding, which sets spec.nodeName and the PodScheduled condition in one write. */
  subresource?: "status" | "binding";
}

export async function replaceStored(
  w: StoreWriter,
  def: ResourceDef,
  old: KubeObject,
  candidate: KubeObject,
  who: FieldManager,
  opts: ReplaceOptions = {},
): Promise<KubeObject> {
  const applied = opts.applied;
  const name = old.metadata.name!;
  const meta = candidate.metadata;
  if (meta.name && meta.name !== name)
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`, [
      { field: "metadata.name", message: `Invalid value: ${JSON.stringify(meta.name)}: does not match the name on the URL` },
    ]);
  if (def.namespaced && meta.namespace && meta.namespace !== old.metadata.namespace)
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request", [
      { field: "metadata.namespace", message: `Invalid value: ${JSON.stringify(meta.namespace)}: does not match the request's namespace` },
    ]);
  if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw staleResourceVersion(def, name);
  if (meta.uid && meta.uid !== old.metadata.uid)
    throw conflict(def, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid}`);

  let next: KubeObject;
  if (opts.subresource === "status") {
    next = { ...clone(old), status: clone(candidate.status) };
    if (next.status === undefined) delete next.status;
  } else {
    next = { ...candidate, metadata: metaForUpdate(meta, old.metadata) };
    // Kinds with a status subresource keep their status on writes to the object itself, as kube-apiserver does.
    if (def.subresources?.status && opts.subresource !== "binding") {
      if (old.status === undefined) delete next.status;
      else next.status = clone(old.status);
    }
  }
  if (old.metadata.deletionTimestamp) {
    const added = (next.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
    if (added.length)
      throw invalid(def.kind, def.group, name, [{
        reason: "FieldValueForbidden",
        field: "metadata.finalizers",
        message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
      }]);
  }
  normalizeAndValidate(def, next, old);
  if (opts.subresource !== "status") await def.claim?.(w, next, old);
  if (opts.subresource !== "status" && def.generationChanged?.(next, old)) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
  next.metadata.resourceVersion = old.metadata.resourceVersion;
  const managedFields = nextManagedFields(old, next, def.schema, who, applied);
  const unmanaged = (o: KubeObject) => canonicalJson({ ...o, metadata: { ...o.metadata, managedFields: undefined } });
  const sameFields = (a: unknown[], b: unknown[]) => canonicalJson(a.map(stripTime)) === canonicalJson(b.map(stripTime));
  if (unmanaged(next) === unmanaged(old) && sameFields(managedFields, (old.metadata.managedFields as unknown[] | undefined) ?? [])) return old;
  next.metadata.managedFields = managedFields;
  // The last finalizer of an object being deleted went (and no grace period runs): it is removed now.
  if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && !next.metadata.deletionGracePeriodSeconds) return removeStored(w, def, next);
  next.metadata.resourceVersion = w.nextRevision().toString();
  await w.replace(def, next, previousOf(def, old));
  return next;
}

const stripTime = (e: unknown) => ({ ...(e as Record<string, unknown>), time: undefined });
