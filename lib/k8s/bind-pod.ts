// POST …/pods/{name}/binding: a v1 Binding assigns a pod to a node — spec.nodeName set, once, with the PodScheduled
// condition True, in one write (what kube-scheduler does through this subresource). A pod already bound, or being
// deleted, is a 409 Conflict; the Binding's uid and resourceVersion, when given, are preconditions.
import type { Actor } from "@/lib/auth/policy";
import { decodeObject, type FieldValidation } from "./admit";
import { authorizeKube } from "./authorize";
import { clone } from "./canonical";
import { podResource } from "./kinds/pod";
import type { PodCondition, PodSpec, PodStatus } from "./kinds/pod-types";
import { nameErrors, objectMetaSchema, rfc3339, type KubeObject } from "./meta";
import { replaceStored } from "./replace-stored";
import type { ResourceDef } from "./resources";
import { t } from "./schema";
import { badRequest, conflict, invalid, notFound, staleResourceVersion } from "./status";
import { writeTransaction, type StoreWriter } from "./store";

const bindingSchema = t.object(
  {
    apiVersion: t.string(),
    kind: t.string(),
    metadata: objectMetaSchema,
    target: t.object(
      {
        kind: t.string("Kind of the referent: Node."),
        name: t.string("Name of the node."),
        namespace: t.string(),
        uid: t.string(),
        apiVersion: t.string(),
        resourceVersion: t.string(),
        fieldPath: t.string(),
      },
      { name: "io.k8s.api.core.v1.ObjectReference", description: "The node to bind to." },
    ),
  },
  { name: "io.k8s.api.core.v1.Binding", required: ["target"], description: "Binding ties one object to another; for example, a pod is bound to a node by a scheduler." },
);
const bindingDef = { group: "", version: "v1", kind: "Binding", plural: "bindings", schema: bindingSchema } as unknown as ResourceDef;

export interface BindInput {
  actor: Actor | null;
  namespace: string;
  name: string;
  body: unknown;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager: string;
}

export async function bindPod(input: BindInput): Promise<KubeObject> {
  authorizeKube(input.actor, podResource, "update", input.namespace, input.name);
  const { object: binding } = decodeObject(bindingDef, input.body, input.fieldValidation ?? "Warn");
  if (binding.metadata.name && binding.metadata.name !== input.name)
    throw badRequest(`the name of the object (${binding.metadata.name}) does not match the name on the URL (${input.name})`, [{ field: "metadata.name", message: "does not match the URL" }]);
  const target = (binding.target ?? {}) as { kind?: string; name?: string };
  if (target.kind && target.kind !== "Node")
    throw invalid("Binding", "", input.name, [{ reason: "FieldValueNotSupported", field: "target.kind", message: `Unsupported value: ${JSON.stringify(target.kind)}: supported values: "Node"` }]);
  if (!target.name) throw invalid("Binding", "", input.name, [{ reason: "FieldValueRequired", field: "target.name", message: "Required value" }]);
  const bad = nameErrors("dns1123-subdomain", target.name);
  if (bad.length) throw invalid("Binding", "", input.name, bad.map((e) => ({ reason: "FieldValueInvalid", field: "target.name", message: `Invalid value: ${JSON.stringify(target.name)}: ${e}` })));
  return bindTrusted(input.namespace, input.name, target.name, { uid: binding.metadata.uid, resourceVersion: binding.metadata.resourceVersion }, input.fieldManager, input.dryRun);
}

/** The binding itself, for a caller already authorized (the API, above) or the scheduler through the system client. */
export async function bindTrusted(
  namespace: string,
  name: string,
  nodeName: string,
  pre: { uid?: string; resourceVersion?: string },
  fieldManager: string,
  dryRun = false,
): Promise<KubeObject> {
  return writeTransaction((w) => bindInTransaction(w, namespace, name, nodeName, pre, fieldManager), { dryRun });
}

/**
 * One binding inside a write transaction the caller holds (the scheduler binds many pods in one). Every check comes
 * before the write, so a refused binding throws having written nothing.
 */
export async function bindInTransaction(
  w: StoreWriter,
  namespace: string,
  name: string,
  nodeName: string,
  pre: { uid?: string; resourceVersion?: string },
  fieldManager: string,
): Promise<KubeObject> {
  const pod = await w.get(podResource, namespace, name);
  if (!pod) throw notFound(podResource, name);
  const binding = { group: "", plural: "pods/binding" };
  if (pre.uid && pre.uid !== pod.metadata.uid) throw conflict(binding, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid}`);
  if (pre.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) throw staleResourceVersion(podResource, name);
  if (pod.metadata.deletionTimestamp) throw conflict(binding, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  const current = (pod.spec as PodSpec).nodeName;
  if (current) throw conflict(binding, name, `pod ${name} is already assigned to node "${current}"`);
  const next = clone(pod);
  (next.spec as PodSpec).nodeName = nodeName;
  const status = (next.status ??= {}) as PodStatus;
  const condition: PodCondition = { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: rfc3339(new Date()) };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "PodScheduled"), condition];
  return replaceStored(w, podResource, pod, next, { manager: fieldManager, operation: "Update" }, { subresource: "binding" });
}
