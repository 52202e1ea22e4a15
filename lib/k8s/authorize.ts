// Who may do which verb on which resource: the policy module's rights (lib/auth/policy.ts) — k8s.read for get, list and
// watch (k8s.secrets.read for Secrets), every one of the kind's writeRights for the other verbs (k8s.scale for …/scale)
// — asked in the request's namespace (a role bound on that namespace counts; without one, fleet-wide), refused with
// kube-apiserver's Forbidden wording plus the right that is missing.
import { can, namespacesFor, refusal, type Action, type Actor, type Scope } from "@/lib/auth/policy";
import type { ResourceDef, Verb } from "./resources";
import { forbiddenFor, methodNotAllowed, unauthorized } from "./status";

/** A write of …/scale (a workload's replicas) needs k8s.scale alone: a role may scale without rewriting specs. */
export const SCALE_RIGHTS: readonly Action[] = ["k8s.scale"];

export const READ_VERBS: readonly Verb[] = ["get", "list", "watch"];

export function rightsFor(def: ResourceDef, verb: Verb): readonly Action[] {
  return READ_VERBS.includes(verb) ? [def.readRight] : def.writeRights;
}

/** Where a request on the Kubernetes API is asked: its namespace, or fleet-wide (cluster-scoped kinds, all namespaces). */
export function kubeScope(namespace: string | undefined): Scope | undefined {
  return namespace ? { namespace } : undefined;
}

export function authorizeKube(
  actor: Actor | null,
  def: ResourceDef,
  verb: Verb,
  namespace?: string,
  name?: string,
  rights: readonly Action[] = rightsFor(def, verb),
): asserts actor is Actor {
  if (!actor) throw unauthorized();
  for (const right of rights) {
    if (can(actor, right, kubeScope(namespace))) continue;
    const subject = name ? `${def.plural}${def.group ? `.${def.group}` : ""} "${name}"` : `${def.plural}${def.group ? `.${def.group}` : ""}`;
    const scope = def.namespaced ? (namespace ? ` in the namespace "${namespace}"` : " at the cluster scope") : " at the cluster scope";
    throw forbiddenFor(def, name, `${subject} is forbidden: User "${actor.email}" cannot ${verb} resource "${def.plural}" in API group "${def.group}"${scope}: ${refusal(actor, right)}`);
  }
  if (!def.verbs.includes(verb)) throw methodNotAllowed(`${verb} is not supported on ${def.plural}${def.source ? " (read-only here)" : ""}`);
}

const isNamespaces = (def: ResourceDef) => def.group === "" && def.plural === "namespaces";

/**
 * A list or watch: authorized as any verb when it names a namespace or the actor may read the kind everywhere (null:
 * nothing left out). Across all namespaces, an actor whose rights to read the kind come from namespace bindings reads
 * those namespaces only — the objects elsewhere (and, for Namespaces themselves, the other namespaces) are left out as
 * if absent — and one with no such namespace is refused as kube-apiserver refuses it.
 */
export function authorizeKubeRead(actor: Actor | null, def: ResourceDef, verb: "list" | "watch", namespace?: string): ReadonlySet<string> | null {
  const rights = rightsFor(def, verb);
  if (namespace !== undefined || (!def.namespaced && !isNamespaces(def)) || rights.every((r) => can(actor, r))) {
    authorizeKube(actor, def, verb, namespace);
    return null;
  }
  let visible: Set<string> | null = null;
  for (const right of rights) {
    const names = namespacesFor(actor, right);
    if (names === "all") continue;
    visible = new Set(visible ? names.filter((n) => visible!.has(n)) : names);
  }
  if (!visible || visible.size === 0) {
    authorizeKube(actor, def, verb, namespace);
    return null;
  }
  if (!def.verbs.includes(verb)) throw methodNotAllowed(`${verb} is not supported on ${def.plural}`);
  return visible;
}

/** Whether `now` leaves out a namespace `before` covered (a running watch's reader lost the right to one of them). */
export function narrowed(before: ReadonlySet<string> | null, now: ReadonlySet<string> | null): boolean {
  if (!now) return false;
  if (!before) return true;
  return [...before].some((n) => !now.has(n));
}

/** Whether an object is inside the namespaces a read was narrowed to (null: every object is). */
export function inNamespaces(def: ResourceDef, visible: ReadonlySet<string> | null, obj: { metadata: { name?: string; namespace?: string } }): boolean {
  if (!visible) return true;
  return visible.has((isNamespaces(def) ? obj.metadata.name : obj.metadata.namespace) ?? "");
}
