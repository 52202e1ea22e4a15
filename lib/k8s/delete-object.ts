// DELETE …/{resource}/{name}: the object is removed at once (no finalizers or graceful deletion yet). Deleting a
// Namespace deletes everything in it first, each with a DELETED event; default, kube-public and kube-system stay.
// Preconditions (uid, resourceVersion) in the DeleteOptions body are checked.
import type { Actor } from "@/lib/auth/policy";
import { authorizeKube } from "./authorize";
import { PROTECTED_NAMESPACES, namespaceResource } from "./kinds/namespace";
import type { KubeObject } from "./meta";
import type { ResourceDef } from "./resources";
import { badRequest, conflict, forbiddenFor, notFound } from "./status";
import { writeTransaction, type StoreWriter } from "./store";

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  dryRun?: string[];
}

export interface DeleteInput {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  name: string;
  options?: DeleteOptions;
  dryRun?: boolean;
}

/** Reads a DeleteOptions body (kubectl sends one with propagationPolicy and sometimes preconditions). */
export function parseDeleteOptions(body: unknown): DeleteOptions {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) throw badRequest("the DeleteOptions body must be a JSON object");
  const o = body as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== "DeleteOptions") throw badRequest(`the body of a delete must be DeleteOptions, not ${String(o.kind)}`);
  const p = o.propagationPolicy;
  if (p !== undefined && p !== "Orphan" && p !== "Background" && p !== "Foreground")
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan"`);
  return o as DeleteOptions;
}

export async function deleteObject(input: DeleteInput): Promise<KubeObject> {
  authorizeKube(input.actor, input.def, "delete", input.namespace, input.name);
  return deleteTrusted(input);
}

/** The delete itself, for a caller already authorized (the API, above) or the control plane's own (the system client). */
export async function deleteTrusted(input: Omit<DeleteInput, "actor">): Promise<KubeObject> {
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
    return removeStored(w, def, old);
  }, { dryRun });
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
