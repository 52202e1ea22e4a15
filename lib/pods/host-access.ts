// Which pods may reach into their host: a hostPath volume mounts the host's own files into a container, as a bind
// mount of `docker run -v /path:…` does, so it takes the same right — containers.host-access (owners and admins),
// decided by the policy module. The Kubernetes API asks it of whoever writes a Pod, or the pod template of a
// ReplicationController, ReplicaSet or Deployment (whose controller then makes the pods): a write that adds host access
// its author does not hold is Forbidden, naming each field. So a pod in the store that has hostPath volumes was vouched
// for by its author, and the pod glue tells its host so (AgentPod.hostAccess); the host applies its own bind rules too.
import { can, type Actor } from "@/lib/auth/policy";
import type { KubeObject } from "@/lib/k8s/meta";
import type { PodSpec } from "@/lib/k8s/kinds/pod-types";

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

/** Whether `actor` may write `next` (replacing `old`): the fields it adds that it may not, empty when it may. */
export function refusedHostAccess(actor: Actor | null, next: KubeObject, old: KubeObject | undefined): HostAccessField[] {
  const added = addedHostAccess(next, old);
  return added.length && !can(actor, "containers.host-access") ? added : [];
}

/** What the pod glue tells the host: the pod's hostPath volumes were vouched for when it (or its template) was written. */
export function podHostAccess(pod: KubeObject): boolean {
  return hostAccessFields(pod).length > 0;
}
