// The bodies of a Deployment's rollout actions as kubectl makes them (pure; the page sends them through /k8s):
//   - rollback (`kubectl rollout undo --to-revision=N`, kubectl's polymorphichelpers/rollback.go): the revision's pod
//     template without its pod-template-hash label replaces the Deployment's, and the Deployment's annotations become
//     the ReplicaSet's — but for the rollout's own bookkeeping annotations, which keep the Deployment's values — as one
//     JSON patch; refused for a paused Deployment and skipped when the template is already that revision's.
//   - restart (`kubectl rollout restart`): the kubectl.kubernetes.io/restartedAt annotation on the pod template.
//   - pause / resume (`kubectl rollout pause|resume`): spec.paused.
//   - scale: the scale subresource's spec.replicas.
import { isDeepStrictEqual } from "./deep-equal";
import { templateWithoutHash, type ReplicaSetLike } from "./rollout-history";
import type { KubeObject } from "@/lib/k8s/meta";

export const RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

/** Annotations a rollback leaves as the Deployment has them (kubectl's annotationsToSkip). */
export const ROLLBACK_KEEP = [
  "kubectl.kubernetes.io/last-applied-configuration",
  "deployment.kubernetes.io/revision",
  "deployment.kubernetes.io/revision-history",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
] as const;

export interface DeploymentLike extends KubeObject {
  spec?: { replicas?: number; paused?: boolean; template?: Record<string, unknown>; selector?: unknown; [k: string]: unknown };
}

export type JsonPatch = Array<{ op: "replace" | "add" | "test"; path: string; value: unknown }>;

export type RollbackPlan = { kind: "patch"; patch: JsonPatch } | { kind: "refused"; reason: string } | { kind: "skipped"; reason: string };

/** What rolling `deployment` back to `rs` (the revision's ReplicaSet) does. */
export function rollbackPlan(deployment: DeploymentLike, rs: ReplicaSetLike, revision: number): RollbackPlan {
  if (deployment.spec?.paused) return { kind: "refused", reason: "you cannot rollback a paused deployment; resume it first with kubectl rollout resume and try again" };
  const template = templateWithoutHash(rs.spec?.template);
  if (isDeepStrictEqual(template, templateWithoutHash(deployment.spec?.template))) {
    return { kind: "skipped", reason: `skipped rollback (current template already matches revision ${revision})` };
  }
  const current = deployment.metadata.annotations ?? {};
  const annotations: Record<string, string> = {};
  for (const k of ROLLBACK_KEEP) if (k in current) annotations[k] = current[k]!;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!(ROLLBACK_KEEP as readonly string[]).includes(k)) annotations[k] = v;
  return {
    kind: "patch",
    patch: [
      { op: "replace", path: "/spec/template", value: template },
      { op: "replace", path: "/metadata/annotations", value: annotations },
    ],
  };
}

/** `kubectl rollout restart`'s strategic merge patch, at `now`; refused for a paused Deployment as kubectl does. */
export function restartPatch(deployment: DeploymentLike, now: Date): { ok: true; patch: unknown } | { ok: false; reason: string } {
  if (deployment.spec?.paused) return { ok: false, reason: "can't restart paused deployment (run rollout resume first)" };
  return { ok: true, patch: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: now.toISOString().replace(/\.\d{3}Z$/, "Z") } } } } } };
}

/** pause (true) or resume (false): a merge patch of spec.paused. */
export const pausePatch = (paused: boolean) => ({ spec: { paused } });

/** The scale subresource's merge patch for the typed number of replicas (as `kubectl scale` sends), or why not. */
export function scalePatch(raw: string): { ok: true; patch: unknown } | { ok: false; reason: string } {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return { ok: false, reason: "replicas must be a whole number, 0 or more" };
  const replicas = Number(text);
  if (replicas > 1000) return { ok: false, reason: "replicas must be at most 1000 here" };
  return { ok: true, patch: { spec: { replicas } } };
}
