// Which pods may reach into their host: a hostPath volume mounts the host's own files into a container, as a bind
// mount of `docker run -v /path:…` does, so it takes the same right — containers.host-access (owners and admins),
// decided by the policy module. The Kubernetes API asks it of whoever writes a Pod, or the pod template of a
// ReplicationController, ReplicaSet or Deployment (whose controller then makes the pods): a write that adds host access
// its author does not hold is Forbidden, naming each field. So a pod in the store that has hostPath volumes was vouched
// for by its author, and the pod glue tells its host so (AgentPod.hostAccess); the host applies its own bind rules too.
import { recordActivity } from "@/lib/activity/record-activity";
import { can, type Actor } from "@/lib/auth/policy";
import type { KubeObject } from "@/lib/k8s/meta";
import type { PodSpec } from "@/lib/k8s/kinds/pod-types";
import { KubeError } from "@/lib/k8s/status";

export interface HostAccessField {
  path: string;
  value: string;
}

/** The pod spec an object carries: a Pod's own, or a workload's template. */
function podSpecOf(obj: KubeObject): { spec: PodSpec; base: string } | null {
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== "object") return null;
  if (obj.kind === "Pod") return { spec: spec as PodSpec, base: "spec" };
  const template = spec.template as { spec?: PodSpec } | undefined;
  if (["ReplicationController", "ReplicaSet", "Deployment"].includes(obj.kind) && template?.spec) return { spec: template.spec, base: "spec.template.spec" };
  return null;
}

/** The fields of `obj` that reach into the host. */
export function hostAccessFields(obj: KubeObject): HostAccessField[] {
  const found = podSpecOf(obj);
  if (!found) return [];
  return (found.spec.volumes ?? []).flatMap((v, i) => (v?.hostPath ? [{ path: `${found.base}.volumes[${i}].hostPath`, value: String(v.hostPath.path ?? "") }] : []));
}

/** The fields `next` adds over `old` (an update that keeps what was already there needs nothing new). */
export function addedHostAccess(next: KubeObject, old: KubeObject | undefined): HostAccessField[] {
  const before = new Set(old ? hostAccessFields(old).map((f) => f.value) : []);
  return hostAccessFields(next).filter((f) => !before.has(f.value));
}

/**
 * A write by `actor` of `next` (replacing `old`, if any) through the Kubernetes API: when it adds host access, the
 * attempt leaves its own activity row (allowed or refused, naming the fields, as `docker run -v` through the API does)
 * and a role without containers.host-access is Forbidden, each field named.
 */
export async function admitHostAccess(actor: Actor | null, plural: string, group: string, next: KubeObject, old: KubeObject | undefined): Promise<void> {
  const added = addedHostAccess(next, old);
  if (!added.length) return;
  const allowed = can(actor, "containers.host-access");
  const name = next.metadata.name ?? next.metadata.generateName ?? "";
  await recordActivity({
    actor,
    action: "containers.host-access",
    target: `k8s/${group ? `${group}/` : ""}${plural}/${next.metadata.namespace ?? ""}/${name}`,
    outcome: allowed ? "ok" : "forbidden",
    details: { kind: next.kind, fields: added.map((f) => ({ path: f.path, value: f.value })) },
  });
  if (allowed) return;
  const what = added.map((f) => `${f.path} ("${f.value}")`).join(", ");
  throw new KubeError(
    403,
    "Forbidden",
    `${plural}${group ? `.${group}` : ""} "${name}" is forbidden: ${what} mounts the host's files into a container, which needs the containers.host-access right (owners and admins); your role (${actor?.role ?? "none"}) does not have it`,
    { name, group, kind: plural, causes: added.map((f) => ({ reason: "FieldValueForbidden", field: f.path, message: "Forbidden: needs the containers.host-access right" })) },
  );
}

/** What the pod glue tells the host: the pod's hostPath volumes were vouched for when it (or its template) was written. */
export function podHostAccess(pod: KubeObject): boolean {
  return hostAccessFields(pod).length > 0;
}
