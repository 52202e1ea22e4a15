// PATCH …/{resource}/{name}: JSON patch, merge patch or strategic merge patch applied to the stored object under the
// write lock, then stored as an update would be (decoded, validated, resourceVersion precondition when the patch sets
// one). Server-side apply (application/apply-patch+yaml) is lib/k8s/apply-object.ts.
import type { Actor } from "@/lib/auth/policy";
import { decodeObject, type FieldValidation } from "./admit";
import { admitHostAccess } from "@/lib/pods/host-access";
import { authorizeKube } from "./authorize";
import type { WriteResult } from "./create-object";
import { applyJsonPatch } from "./patch/json-patch";
import { applyMergePatch } from "./patch/merge-patch";
import { applyStrategicMergePatch } from "./patch/strategic-merge-patch";
import { replaceStored } from "./replace-stored";
import type { ResourceDef } from "./resources";
import { notFound } from "./status";
import { writeTransaction } from "./store";
import { noSuchSubresource } from "./update-status";

export type PatchType = "json" | "merge" | "strategic";

export const PATCH_CONTENT_TYPES: Record<string, PatchType | "apply"> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

export interface PatchInput {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  name: string;
  patchType: PatchType;
  patch: unknown;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager: string;
  /** "status": a patch of …/status, where only .status changes. */
  subresource?: "status";
}

export async function patchObject(input: PatchInput): Promise<WriteResult> {
  const { actor, def, namespace, name } = input;
  authorizeKube(actor, def, "patch", namespace, name);
  if (input.subresource === "status" && !def.subresources?.status) throw noSuchSubresource();
  return writeTransaction(async (w) => {
    const old = await w.get(def, namespace ?? "", name);
    if (!old) throw notFound(def, name);
    const patched =
      input.patchType === "json"
        ? applyJsonPatch(old, input.patch)
        : input.patchType === "merge"
          ? applyMergePatch(old, input.patch)
          : applyStrategicMergePatch(old, input.patch, def.schema);
    const { object, warnings } = decodeObject(def, patched, input.fieldValidation ?? "Warn");
    const who = { manager: input.fieldManager, operation: "Update" as const };
    if (input.subresource !== "status") await admitHostAccess(actor, def.plural, def.group, object, old);
    return { object: await replaceStored(w, def, old, object, who, { subresource: input.subresource }), warnings };
  }, { dryRun: input.dryRun });
}
