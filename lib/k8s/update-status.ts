// PUT …/{resource}/{name}/status: the status subresource. Only .status is taken from the body; the spec, labels and the
// rest stay as stored (a stale metadata.resourceVersion is still a 409). Controllers, the scheduler and the agents'
// reports write status this way; users' writes to the object itself leave status alone.
import type { Actor } from "@/lib/auth/policy";
import { decodeObject, type FieldValidation } from "./admit";
import { authorizeKube } from "./authorize";
import type { WriteResult } from "./create-object";
import { replaceStored } from "./replace-stored";
import type { ResourceDef } from "./resources";
import { KubeError, notFound } from "./status";
import { writeTransaction } from "./store";

export interface UpdateStatusInput {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  name: string;
  body: unknown;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager: string;
}

export const noSuchSubresource = () => new KubeError(404, "NotFound", "the server could not find the requested resource");

export async function updateStatus(input: UpdateStatusInput): Promise<WriteResult> {
  authorizeKube(input.actor, input.def, "update", input.namespace, input.name);
  return updateStatusTrusted(input);
}

/** The status update itself, for a caller already authorized (the API, above) or the control plane's own. */
export async function updateStatusTrusted(input: Omit<UpdateStatusInput, "actor">): Promise<WriteResult> {
  const { def, namespace, name } = input;
  if (!def.subresources?.status) throw noSuchSubresource();
  const { object, warnings } = decodeObject(def, input.body, input.fieldValidation ?? "Warn");
  const updated = await writeTransaction(async (w) => {
    const old = await w.get(def, namespace ?? "", name);
    if (!old) throw notFound(def, name);
    return replaceStored(w, def, old, object, { manager: input.fieldManager, operation: "Update" }, { subresource: "status" });
  }, { dryRun: input.dryRun });
  return { object: updated, warnings };
}
