// The one policy module: every route handler, server action and socket event asks `authorize` (or `can`) before it
// acts. Deny by default: an action not listed here is allowed to nobody, and a disabled user can do nothing.
import { forbidden, unauthorized } from "@/lib/errors";

/** A user's fleet-wide role (User.role); `none`: no fleet-wide right, only what role bindings give. */
export const ROLES = ["owner", "admin", "operator", "viewer", "none"] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: a signed-in user as loaded from the database for this request (never from a stale token). */
export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  /** Set when the request was authenticated by an API token (lib/api-tokens): its id, for activity records. */
  tokenId?: string;
}

const SELF: readonly Role[] = ROLES; // one's own account: anyone signed in
const ALL: readonly Role[] = ["owner", "admin", "operator", "viewer"];
const MANAGERS: readonly Role[] = ["owner", "admin"];
const OPERATORS: readonly Role[] = ["owner", "admin", "operator"];

/** Every action the product has, and the roles that may perform it. */
export const PERMISSIONS = {
  "hosts.read": ALL,
  "hosts.join": MANAGERS, // mint join tokens ("Add host")
  "hosts.update": MANAGERS, // rename
  "hosts.revoke": MANAGERS,
  "me.read": SELF, // one's own account
  "me.update": SELF, // one's own name and password
  "users.read": MANAGERS,
  "users.manage": MANAGERS, // create, change role, disable (subject to canAssignRole / canManageUser)
  "containers.read": ALL,
  "containers.manage": OPERATORS,
  // Logs can carry secrets an application prints, and exec is a shell inside the container: both are operator actions,
  // each its own permission so a deployment can widen one without the other. Viewers see state, not output.
  "containers.logs": OPERATORS,
  "containers.exec": OPERATORS,
  // A port-forward (kubectl port-forward) opens connections into a pod's network — to ports the pod never published:
  // an operator action of its own, asked for pods/portforward.
  "containers.port-forward": OPERATORS,
  // Reaching into the host from a container — a bind mount of a host path, the host's network namespace — is root on
  // that host (bind its /etc, or the control plane's keys, and read them back): a right of its own, managers only by
  // default, asked by the run use case (lib/containers/run-container.ts) on top of containers.manage.
  "containers.host-access": MANAGERS,
  "images.read": ALL,
  "images.manage": OPERATORS, // pull, tag, remove
  "activity.read": MANAGERS,
  // The Kubernetes API under /k8s (lib/k8s): get/list/watch, and create/update/patch/delete. Secrets are read with a
  // right of their own, as logs are, because their values are secrets; writing one needs it too (the answer carries it).
  "k8s.read": ALL,
  "k8s.write": OPERATORS,
  "k8s.secrets.read": OPERATORS,
  "tokens.manage": SELF, // one's own API tokens (a token's role never exceeds its user's); others' need users.manage too
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export function can(actor: Actor | null | undefined, action: Action): boolean {
  if (!actor || actor.disabled) return false;
  const allowed: readonly Role[] | undefined = (PERMISSIONS as Record<string, readonly Role[]>)[action];
  return allowed ? allowed.includes(actor.role) : false;
}

/** Throws 401 when nobody is signed in, 403 when the actor's role does not allow the action. */
export function authorize(actor: Actor | null | undefined, action: Action): asserts actor is Actor {
  if (!actor) throw unauthorized();
  if (actor.disabled) throw forbidden("this account is disabled");
  if (!can(actor, action)) throw forbidden(`your role (${actor.role}) does not allow ${action}`);
}

const RANK: Record<Role, number> = { owner: 3, admin: 2, operator: 1, viewer: 0, none: -1 };

/** Admins manage operators and viewers; only an owner may create or change owners and admins. */
export function canAssignRole(actor: Actor, role: Role): boolean {
  if (!can(actor, "users.manage")) return false;
  return actor.role === "owner" || RANK[role] < RANK.admin;
}

/** Whether actor may change target (role, disabled): never themselves, never someone at or above their rank unless owner. */
export function canManageUser(actor: Actor, target: { id: string; role: Role }): boolean {
  if (!can(actor, "users.manage") || actor.id === target.id) return false;
  return actor.role === "owner" || RANK[target.role] < RANK[actor.role];
}
