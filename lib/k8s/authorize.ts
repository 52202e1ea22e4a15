// Who may do which verb on which resource: the policy module's rights (lib/auth/policy.ts) — k8s.read for get, list and
// watch (k8s.secrets.read for Secrets), every one of the kind's writeRights for the other verbs — refused with
// kube-apiserver's Forbidden wording plus the right that is missing.
import { can, type Action, type Actor } from "@/lib/auth/policy";
import type { ResourceDef, Verb } from "./resources";
import { forbiddenFor, methodNotAllowed, unauthorized } from "./status";

export const READ_VERBS: readonly Verb[] = ["get", "list", "watch"];

export function rightsFor(def: ResourceDef, verb: Verb): readonly Action[] {
  return READ_VERBS.includes(verb) ? [def.readRight] : def.writeRights;
}

export function authorizeKube(actor: Actor | null, def: ResourceDef, verb: Verb, namespace?: string, name?: string): asserts actor is Actor {
  if (!actor) throw unauthorized();
  for (const right of rightsFor(def, verb)) {
    if (can(actor, right)) continue;
    const subject = name ? `${def.plural}${def.group ? `.${def.group}` : ""} "${name}"` : `${def.plural}${def.group ? `.${def.group}` : ""}`;
    const scope = def.namespaced ? (namespace ? ` in the namespace "${namespace}"` : " at the cluster scope") : " at the cluster scope";
    const why = actor.disabled ? "this account is disabled" : `your role (${actor.role}) does not allow ${right}`;
    throw forbiddenFor(def, name, `${subject} is forbidden: User "${actor.email}" cannot ${verb} resource "${def.plural}" in API group "${def.group}"${scope}: ${why}`);
  }
  if (!def.verbs.includes(verb)) throw methodNotAllowed(`${verb} is not supported on ${def.plural}${def.source ? " (read-only here)" : ""}`);
}
