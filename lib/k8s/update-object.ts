// PUT …/{resource}/{name}: the whole object replaced. A stale metadata.resourceVersion is a 409 Conflict; without one
// the update is unconditional (as for every kind Kubernetes serves here).
import { decodeObject } from "./admit";
import type { Actor } from "@/lib/auth/policy";
import { admitHostAccess } from "@/lib/pods/host-access";
import { authorizeKube } from "./authorize";
import type { CreateInput, WriteResult } from "./create-object";
import { replaceStored } from "./replace-stored";
import { notFound } from "./status";
import { writeTransaction } from "./store";

export interface UpdateInput extends CreateInput {
  name: string;
}

export async function updateObject(input: UpdateInput): Promise<WriteResult> {
  authorizeKube(input.actor, input.def, "update", input.namespace, input.name);
  return updateTrusted(input, input.actor);
}

/** The update itself, for a caller already authorized (the API, above) or the control plane's own (the system client). */
export async function updateTrusted(input: Omit<UpdateInput, "actor">, author?: Actor | null): Promise<WriteResult> {
  const { def, namespace, name } = input;
  const { object, warnings } = decodeObject(def, input.body, input.fieldValidation ?? "Warn");
  const updated = await writeTransaction(async (w) => {
    const old = await w.get(def, namespace ?? "", name);
    if (!old) throw notFound(def, name);
    // A user's write that adds host access needs the right (lib/pods/host-access.ts); the control plane's own may.
    if (author !== undefined) await admitHostAccess(author, def.plural, def.group, object, old);
    return replaceStored(w, def, old, object, { manager: input.fieldManager, operation: "Update" });
  }, { dryRun: input.dryRun });
  return { object: updated, warnings };
}
