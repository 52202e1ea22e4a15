// What deploying a stack would do, object by object, found by a server-side dry run of each write as the actor (their
// rights, admission and the kinds' validation, as through the Kubernetes API): create what is new, update what the
// file changed (in place, by name), leave alone what is the same, delete what the stack had and the file no longer
// has. An object of the same name that is not this stack's is a conflict: a stack never takes over what it did not make.
import type { Actor } from "@/lib/auth/policy";
import { can } from "@/lib/auth/policy";
import { conflict, GantryError } from "@/lib/errors";
import { translateCompose } from "@/lib/compose/translate-compose";
import { STACK_LABEL, type StackTranslation } from "@/lib/compose/types";
import { canonicalJson } from "@/lib/k8s/canonical";
import { createObject } from "@/lib/k8s/create-object";
import { updateObject } from "@/lib/k8s/update-object";
import type { KubeObject } from "@/lib/k8s/meta";
import { KubeError } from "@/lib/k8s/status";
import { loadClusterNetworkConfig } from "@/lib/network/cluster-cidrs";
import { defOf, reader, stackObjects, STACK_KINDS } from "./stack-kinds";
import type { StackBody, StackObjectPlan, StackPreview } from "./schemas";

export const FIELD_MANAGER = "gantry-stacks";

export interface PlannedObject extends StackObjectPlan {
  /** The body to write: the translation's object, with what the cluster keeps of the existing one carried over. */
  body?: KubeObject;
  existing?: KubeObject;
}

export interface StackPlan {
  translation: StackTranslation;
  objects: PlannedObject[];
}

export function translateFor(actor: Actor, input: StackBody): StackTranslation {
  let nodePortRange = { min: 30000, max: 32767 };
  try {
    nodePortRange = loadClusterNetworkConfig().nodePortRange;
  } catch {
    // The control plane refuses to start with a bad range; the default is what a preview can say otherwise.
  }
  return translateCompose({ stack: input.name, namespace: input.namespace, compose: input.compose, envFiles: input.envFiles, hostAccess: can(actor, "containers.host-access"), nodePortRange });
}

/** What the cluster set on `existing` that the file does not say and a replace must keep: a Service's addresses and
 *  node ports, the Deployment controller's revision, a restart asked from the page. */
export function carryOver(existing: KubeObject, desired: KubeObject): KubeObject {
  const out = structuredClone(desired);
  out.metadata.resourceVersion = existing.metadata.resourceVersion;
  if (desired.kind === "Service") {
    const was = (existing.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[]; ports?: Array<{ port: number; protocol?: string; nodePort?: number }> };
    const spec = out.spec as { clusterIP?: string; clusterIPs?: string[]; type?: string; ports?: Array<{ port: number; protocol?: string; nodePort?: number }> };
    if (spec.clusterIP === undefined && was.clusterIP) {
      spec.clusterIP = was.clusterIP;
      if (was.clusterIPs) spec.clusterIPs = was.clusterIPs;
    }
    if (spec.type === "NodePort")
      for (const p of spec.ports ?? []) {
        if (p.nodePort !== undefined) continue;
        const old = was.ports?.find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP"));
        if (old?.nodePort) p.nodePort = old.nodePort;
      }
  }
  if (desired.kind === "Deployment") {
    const keep = Object.entries(existing.metadata.annotations ?? {}).filter(([k]) => k.startsWith("deployment.kubernetes.io/"));
    if (keep.length) out.metadata.annotations = { ...(out.metadata.annotations ?? {}), ...Object.fromEntries(keep) };
    const restarted = (existing.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template?.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"];
    if (restarted) {
      const tm = (out.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata;
      tm.annotations = { ...(tm.annotations ?? {}), "kubectl.kubernetes.io/restartedAt": restarted };
    }
  }
  return out;
}

/** The parts of an object a stack decides: the same before and after means the write changes nothing. */
const decided = (o: KubeObject) => canonicalJson({ labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {}, spec: o.spec ?? null, data: o.data ?? null });

function dryRunError(e: unknown): StackObjectPlan["error"] {
  if (e instanceof KubeError) {
    const causes = (e.details?.causes ?? []).map((c) => ({ ...(c.field ? { field: c.field } : {}), ...(c.message ? { message: c.message } : {}) }));
    return { message: e.message, causes };
  }
  if (e instanceof GantryError) return { message: e.message, causes: [] };
  throw e;
}

export async function planStack(actor: Actor, input: StackBody): Promise<StackPlan> {
  const translation = translateFor(actor, input);
  const current = await stackObjects(input.namespace, input.name);
  const wanted = new Set(translation.objects.map((o) => `${o.kind}/${o.metadata.name}`));
  const objects: PlannedObject[] = [];
  for (const obj of translation.objects) {
    const def = defOf(obj.kind);
    const name = obj.metadata.name!;
    const existing = await reader.get(STACK_KINDS.find((k) => k.kind === obj.kind)!.key, input.namespace, name);
    if (existing && existing.metadata.labels?.[STACK_LABEL] !== input.name) {
      const owner = existing.metadata.labels?.[STACK_LABEL];
      throw conflict(`${obj.kind} ${input.namespace}/${name} already exists and ${owner ? `belongs to the stack ${owner}` : "is not part of a stack"}: rename the service or remove that object first`);
    }
    const plan: PlannedObject = { kind: obj.kind, name, action: existing ? "update" : "create", object: obj as Record<string, unknown> };
    try {
      if (!existing) {
        await createObject({ actor, def, namespace: input.namespace, body: structuredClone(obj), dryRun: true, fieldValidation: "Strict", fieldManager: FIELD_MANAGER });
        plan.body = obj;
      } else {
        const body = carryOver(existing, obj);
        const after = await updateObject({ actor, def, namespace: input.namespace, name, body: structuredClone(body), dryRun: true, fieldValidation: "Strict", fieldManager: FIELD_MANAGER });
        plan.body = body;
        plan.existing = existing;
        if (decided(after.object) === decided(existing)) plan.action = "unchanged";
      }
    } catch (e) {
      plan.error = dryRunError(e);
    }
    objects.push(plan);
  }
  for (const o of current) {
    if (wanted.has(`${o.kind}/${o.metadata.name}`)) continue;
    objects.push({ kind: o.kind, name: o.metadata.name!, action: "delete", existing: o });
  }
  return { translation, objects };
}

/** The plan as the API answers it. */
export function previewOf(input: StackBody, plan: StackPlan): StackPreview {
  const t = plan.translation;
  return {
    name: input.name,
    namespace: input.namespace,
    objects: plan.objects.map(({ body: _b, existing: _e, ...rest }) => rest),
    unsupported: t.unsupported,
    notes: t.notes,
    published: t.published,
  };
}
