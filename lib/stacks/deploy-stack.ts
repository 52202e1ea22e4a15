// POST /api/v1/stacks: deploys a compose file as a stack — or redeploys it in place: objects are created or replaced by
// name within the namespace, those the new file no longer has are deleted, unchanged ones are left alone. Every write is
// dry-run first (as the caller): one refusal and nothing is written, the refusals named per object.
import type { Actor } from "@/lib/auth/policy";
import { noteActivity } from "@/lib/activity/activity-note";
import { unprocessable } from "@/lib/errors";
import { createObject } from "@/lib/k8s/create-object";
import { deleteObject } from "@/lib/k8s/delete-object";
import { updateObject } from "@/lib/k8s/update-object";
import { KubeError } from "@/lib/k8s/status";
import { FIELD_MANAGER, planStack, previewOf } from "./plan-stack";
import { asGantryError, defOf } from "./stack-kinds";
import { getStackOrThrow } from "./get-stack-or-throw";
import type { StackBody, StackDeployed } from "./schemas";

export async function deployStack(actor: Actor, input: StackBody): Promise<StackDeployed> {
  noteActivity({ verb: "deploy", object: `stack "${input.name}"`, extra: `in namespace ${input.namespace}` });
  const plan = await planStack(actor, input);
  const refused = plan.objects.filter((o) => o.error);
  if (refused.length) {
    const first = refused[0]!;
    const field = first.error!.causes[0]?.field;
    throw unprocessable(`${first.kind} ${first.name}: ${field ? `${field}: ` : ""}${first.error!.causes[0]?.message ?? first.error!.message}`, {
      objects: refused.map((o) => ({ kind: o.kind, name: o.name, error: o.error })),
    });
  }
  const ns = input.namespace;
  const counts = { create: 0, update: 0, unchanged: 0, delete: 0 };
  for (const o of plan.objects) {
    const def = defOf(o.kind);
    counts[o.action]++;
    try {
      if (o.action === "create") await createObject({ actor, def, namespace: ns, body: structuredClone(o.body), fieldValidation: "Strict", fieldManager: FIELD_MANAGER });
      else if (o.action === "update") await updateObject({ actor, def, namespace: ns, name: o.name, body: structuredClone(o.body), fieldValidation: "Strict", fieldManager: FIELD_MANAGER });
    } catch (e) {
      // Changed by someone else since the dry run (a 409 on the resourceVersion), or refused: said as it is.
      throw asGantryError(e);
    }
  }
  // What the new file no longer has: Deployments first (their pods stop), then Services and ConfigMaps.
  const gone = plan.objects.filter((o) => o.action === "delete").sort((a, b) => kindOrder(b.kind) - kindOrder(a.kind));
  for (const o of gone) await deleteQuietly(actor, o.kind, ns, o.name);
  noteActivity({
    verb: "deploy",
    object: `stack "${input.name}"`,
    extra: `in namespace ${ns}: ${counts.create} created, ${counts.update} updated, ${counts.unchanged} unchanged, ${counts.delete} deleted`,
  });
  return { ...previewOf(input, plan), stack: await getStackOrThrow(ns, input.name) };
}

const kindOrder = (kind: string) => ["ConfigMap", "Service", "Deployment"].indexOf(kind);

/** Deletes one object of a stack; one already gone is fine. */
export async function deleteQuietly(actor: Actor, kind: string, namespace: string, name: string): Promise<void> {
  try {
    await deleteObject({ actor, def: defOf(kind), namespace, name, options: { propagationPolicy: "Background" } });
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return;
    throw asGantryError(e);
  }
}
