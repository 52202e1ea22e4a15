// …/{resource}/{name}/scale: autoscaling/v1 Scale, the view of a ReplicationController, ReplicaSet or Deployment that
// `kubectl scale` (and autoscalers) read and write — spec.replicas, status.replicas and the pods' selector. A write sets
// the object's spec.replicas through the same update path as any other write (validation, resourceVersion precondition,
// generation), so a negative count is refused naming spec.replicas.
import type { Actor } from "@/lib/auth/policy";
import { decodeObject, type FieldValidation } from "./admit";
import { SCALE_RIGHTS, authorizeKube } from "./authorize";
import { clone } from "./canonical";
import type { KubeObject } from "./meta";
import { applyJsonPatch } from "./patch/json-patch";
import { applyMergePatch } from "./patch/merge-patch";
import { applyStrategicMergePatch } from "./patch/strategic-merge-patch";
import type { PatchType } from "./patch-object";
import { replaceStored } from "./replace-stored";
import type { ResourceDef, ScaleSubresource } from "./resources";
import { t } from "./schema";
import { objectMetaSchema } from "./meta";
import { KubeError, badRequest, notFound, staleResourceVersion } from "./status";
import { readObject, writeTransaction } from "./store";
import { noSuchSubresource } from "./update-status";

const scaleSchema = t.object(
  {
    apiVersion: t.string(),
    kind: t.string(),
    metadata: objectMetaSchema,
    spec: t.object({ replicas: t.int("The desired number of instances for the scaled object.") }, { name: "io.k8s.api.autoscaling.v1.ScaleSpec", description: "Attributes of a scale subresource." }),
    status: t.object(
      { replicas: t.int("The actual number of observed instances of the scaled object."), selector: t.string("The label query over pods that should match the replicas count.") },
      { name: "io.k8s.api.autoscaling.v1.ScaleStatus", description: "The current status of a scale subresource." },
    ),
  },
  { name: "io.k8s.api.autoscaling.v1.Scale", description: "Scale represents a scaling request for a resource." },
);
const scaleDef = { group: "autoscaling", version: "v1", kind: "Scale", plural: "scale", schema: scaleSchema } as unknown as ResourceDef;

function scaleSubresource(def: ResourceDef): ScaleSubresource {
  const s = def.subresources?.scale;
  if (!s) throw noSuchSubresource();
  return s;
}

export function toScale(def: ResourceDef, obj: KubeObject): KubeObject {
  const s = scaleSubresource(def);
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: s.specReplicas(obj) },
    status: { replicas: s.statusReplicas(obj), selector: s.selector(obj) },
  };
}

export interface ScaleTarget {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  name: string;
}

export async function getScale({ actor, def, namespace, name }: ScaleTarget): Promise<KubeObject> {
  authorizeKube(actor, def, "get", namespace, name);
  scaleSubresource(def);
  const obj = await readObject(def, namespace ?? "", name);
  if (!obj) throw notFound(def, name);
  return toScale(def, obj);
}

export interface ScaleWrite extends ScaleTarget {
  /** PUT: a whole Scale. */
  body?: unknown;
  /** PATCH: a patch of the current Scale. */
  patch?: { type: PatchType; patch: unknown };
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager: string;
}

export async function writeScale(input: ScaleWrite): Promise<{ object: KubeObject; warnings: string[] }> {
  const { actor, def, namespace, name } = input;
  authorizeKube(actor, def, input.patch ? "patch" : "update", namespace, name, SCALE_RIGHTS);
  const s = scaleSubresource(def);
  return writeTransaction(async (w) => {
    const old = await w.get(def, namespace ?? "", name);
    if (!old) throw notFound(def, name);
    const current = toScale(def, old);
    let candidate: unknown = input.body;
    if (input.patch) {
      const { type, patch } = input.patch;
      candidate = type === "json" ? applyJsonPatch(current, patch) : type === "merge" ? applyMergePatch(current, patch) : applyStrategicMergePatch(current, patch, scaleSchema);
    }
    if (candidate === undefined || candidate === null || typeof candidate !== "object") throw badRequest("the request body must be a Scale object");
    const raw = candidate as Record<string, unknown>;
    if (raw.kind !== "Scale" || (raw.apiVersion !== "autoscaling/v1" && raw.apiVersion !== undefined))
      throw badRequest(`the body of a scale request must be an autoscaling/v1 Scale, not ${String(raw.apiVersion)} ${String(raw.kind)}`, [{ field: "kind", message: "must be Scale" }]);
    const { object: scale, warnings } = decodeObject(scaleDef, { ...raw, apiVersion: "autoscaling/v1" }, input.fieldValidation ?? "Warn");
    if (scale.metadata.name && scale.metadata.name !== name)
      throw badRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`, [{ field: "metadata.name", message: "does not match the URL" }]);
    if (scale.metadata.resourceVersion && scale.metadata.resourceVersion !== old.metadata.resourceVersion) throw staleResourceVersion(def, name);
    const replicas = (scale.spec as { replicas?: number } | undefined)?.replicas ?? 0;
    if (replicas < 0)
      throw new KubeError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`, {
        name,
        group: "autoscaling",
        kind: "Scale",
        causes: [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${replicas}: must be greater than or equal to 0` }],
      });
    const next = clone(old);
    s.setSpecReplicas(next, replicas);
    const updated = await replaceStored(w, def, old, next, { manager: input.fieldManager, operation: "Update" });
    return { object: toScale(def, updated), warnings };
  }, { dryRun: input.dryRun });
}
