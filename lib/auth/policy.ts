// The one policy module: every route handler, server action, socket event and Kubernetes API call asks `authorize` (or
// `can`) before it acts. Deny by default: an action not listed here is allowed to nobody, and a disabled user can do
// nothing.
//
// It decides (actor, action, scope). An action (what a route or event does: "containers.logs") needs one right
// ("logs"); a role — built-in or custom — is a set of rights; an actor holds grants, each a set of rights on a scope:
//   - the fleet (the user's own User.role is one such grant, `none` giving nothing), or
//   - a host group (RoleBinding.hostGroupId: its hosts, resolved when the actor is loaded), or
//   - a namespace of the Kubernetes API (RoleBinding.namespace).
// A user's grants are their own bindings and their teams' (lib/auth/actor.ts loads them on every request, so a changed
// binding takes effect on the next one). An API token's actor is its user's current grants narrowed by the token
// (`limit`: rights, host groups, namespaces).
//
// How each surface asks:
//   can(actor, action)                        — fleet-wide (every host, every namespace).
//   can(actor, action, { hostId })            — on one host: REST /api/v1/hosts/{id}/… (withAuth(…, { scope: "host" })),
//                                               a host's pages, a socket log/pull stream (server/browser-streams.ts).
//   can(actor, action, { namespace })         — in one namespace: the Kubernetes API (lib/k8s/authorize.ts kubeScope:
//                                               authorizeKube, pod streams, and `kubectl auth can-i` /
//                                               SelfSubjectAccessReview in lib/k8s/access-review.ts).
//   canSomewhere(actor, action)               — on at least one scope: whether to show a page or control at all, and the
//                                               gate of list routes (withAuth(…, { scope: "somewhere" })), which then
//                                               keep only hostIdsFor(actor, action).
//   authorizeHost(actor, action, hostId)      — 404 when the actor holds no right on the host (it does not exist for
//                                               them), 403 when it holds some there but not this one.
//   authorizeNamespace(actor, action, ns)    — the same for a namespace, through the REST API (/api/v1/…/{namespace}/…).
//   visibleNamespaces(actor, action, ns?)     — what a list of namespaced things keeps (lib/k8s/visible-namespaces.ts):
//                                               stacks and Services list only one's namespaces; one asked for by name
//                                               outside them is a 404.
// test/policy/matrix.test.ts holds every route, Kubernetes call and socket event to its scopes.
import { forbidden, notFound, unauthorized } from "@/lib/errors";

/** A user's fleet-wide role (User.role); `none`: no fleet-wide right, only what role bindings give. */
export const ROLES = ["owner", "admin", "operator", "viewer", "none"] as const;
export type Role = (typeof ROLES)[number];

/** The roles a role binding may give (every built-in role but `none`). */
export const BINDABLE_ROLES = ["owner", "admin", "operator", "viewer"] as const satisfies readonly Role[];
export type BindableRole = (typeof BINDABLE_ROLES)[number];

/** The finer rights roles are made of; custom roles (CustomRole.rights) are sets of these. */
export const RIGHTS = [
  "read", // see hosts, containers, images and the Kubernetes API's objects (not Secrets' values, not logs)
  "deploy", // run containers, pull and manage images, write the Kubernetes API's objects
  "scale", // change a workload's replicas (…/scale)
  "containers.actions", // start, stop, restart, kill, pause, remove containers; networks and volumes
  "logs", // read containers' and pods' output
  "exec", // a shell or a port-forward into a container
  "secrets.read", // read Secrets' values
  "secrets.write", // write Secrets
  "hosts.manage", // join, rename, revoke hosts; reach into a host from a container (bind mounts, host network)
  "users.manage", // users, teams, host groups, role bindings, custom roles
  "activity.read", // the activity record
] as const;
export type Right = (typeof RIGHTS)[number];

const VIEWER_RIGHTS: readonly Right[] = ["read"];
const OPERATOR_RIGHTS: readonly Right[] = ["read", "deploy", "scale", "containers.actions", "logs", "exec", "secrets.read", "secrets.write"];

/** The built-in roles' rights: their names and today's meaning kept (owner and admin differ in canAssignRole/canManageUser). */
export const ROLE_RIGHTS: Record<Role, readonly Right[]> = {
  owner: RIGHTS,
  admin: RIGHTS,
  operator: OPERATOR_RIGHTS,
  viewer: VIEWER_RIGHTS,
  none: [],
};

/** Every action the product has, and the right it needs (`self`: one's own account, any signed-in actor). */
export const ACTION_RIGHTS = {
  "hosts.read": "read",
  "hosts.join": "hosts.manage", // mint join tokens ("Add host")
  "hosts.update": "hosts.manage", // rename
  "hosts.revoke": "hosts.manage",
  "hosts.drain": "hosts.manage", // cordon, uncordon, drain (pods moved off by their controllers)
  "hosts.rotate": "hosts.manage", // give a host a new credential
  // Add a host over SSH (install the agent as root on a machine with the key or password given): manage hosts, and its
  // own action so a custom role's narrowing or a future right can single it out.
  "hosts.install": "hosts.manage",
  "metrics.read": "read", // GET /metrics (fleet-wide figures: read on the whole fleet, not one group or namespace)
  "me.read": "self", // one's own account
  "me.update": "self", // one's own name and password
  "users.read": "users.manage",
  "users.manage": "users.manage", // create, change role, disable (subject to canAssignRole / canManageUser); teams, bindings
  "containers.read": "read",
  "containers.run": "deploy", // run a container (POST /api/v1/hosts/{id}/containers)
  "containers.manage": "containers.actions",
  // Logs can carry secrets an application prints, and exec is a shell inside the container: each its own right, so a
  // deployment can widen one without the other. Viewers see state, not output.
  "containers.logs": "logs",
  "containers.exec": "exec",
  // A port-forward (kubectl port-forward) opens connections into a pod's network — to ports the pod never published.
  "containers.port-forward": "exec",
  // Reaching into the host from a container — a bind mount of a host path, the host's network namespace — is root on
  // that host: managers only by default, asked by the run use case (lib/containers/run-container.ts) on top of
  // containers.run.
  "containers.host-access": "hosts.manage",
  "images.read": "read",
  "images.manage": "deploy", // pull, tag, remove
  "activity.read": "activity.read",
  // The Kubernetes API under /k8s (lib/k8s): get/list/watch, and create/update/patch/delete. Secrets are read with a
  // right of their own, as logs are, because their values are secrets; writing one needs it too (the answer carries it).
  "k8s.read": "read",
  "k8s.write": "deploy",
  "k8s.scale": "scale",
  "k8s.secrets.read": "secrets.read",
  "k8s.secrets.write": "secrets.write",
  "tokens.manage": "self", // one's own API tokens (never wider than their user); others' need users.manage too
  // Teams one belongs to; and a team's members, which its team admins manage too (canManageTeamMembers decides).
  "teams.read": "self",
  "teams.members": "self",
} as const satisfies Record<string, Right | "self">;

export type Action = keyof typeof ACTION_RIGHTS;

function rolesWith(right: Right | "self"): readonly Role[] {
  return ROLES.filter((r) => right === "self" || ROLE_RIGHTS[r].includes(right));
}

/** Every action and the built-in fleet-wide roles that may perform it (derived: the role × action matrix tests read it). */
export const PERMISSIONS = Object.fromEntries(Object.entries(ACTION_RIGHTS).map(([a, r]) => [a, rolesWith(r)])) as Record<Action, readonly Role[]>;

/** Where an action is asked: one host, or one namespace. None: fleet-wide. */
export type Scope = { hostId: number } | { namespace: string };

/** Rights on a scope. hostIds: a host group's hosts (resolved when the actor was loaded). */
export interface Grant {
  rights: readonly Right[];
  scope: { fleet: true } | { hostGroupId: string; hostIds: readonly number[] } | { namespace: string };
  /** Where it comes from, for messages: "role owner", "team payments: operator on group db". */
  source?: string;
}

/** An API token's narrowing: null fields are not narrowed. */
export interface Limit {
  rights: readonly Right[] | null;
  hostIds: readonly number[] | null;
  namespaces: readonly string[] | null;
}

/** Who is acting: a signed-in user as loaded from the database for this request (never from a stale token). */
export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  /** Set when the request was authenticated by an API token (lib/api-tokens): its id, for activity records. */
  tokenId?: string;
  /** Role bindings' grants (own and teams'), besides the fleet-wide role. Absent: the role alone. */
  grants?: readonly Grant[];
  /** An API token's narrowing. */
  limit?: Limit;
}

/** Every grant the actor holds: its fleet-wide role, then its bindings. */
export function grantsOf(actor: Actor): Grant[] {
  const own: Grant = { rights: ROLE_RIGHTS[actor.role] ?? [], scope: { fleet: true }, source: `role ${actor.role}` };
  return [own, ...(actor.grants ?? [])];
}

function covers(grant: Grant, scope: Scope | undefined): boolean {
  const g = grant.scope;
  if ("fleet" in g) return true;
  if (!scope) return false;
  if ("hostIds" in g) return "hostId" in scope && g.hostIds.includes(scope.hostId);
  return "namespace" in scope && g.namespace === scope.namespace;
}

function limitAllows(limit: Limit | undefined, right: Right, scope: Scope | undefined): boolean {
  if (!limit) return true;
  if (limit.rights && !limit.rights.includes(right)) return false;
  if (!limit.hostIds && !limit.namespaces) return true;
  if (!scope) return false; // narrowed to some scopes: never fleet-wide
  if ("hostId" in scope) return !!limit.hostIds?.includes(scope.hostId);
  return !!limit.namespaces?.includes(scope.namespace);
}

function rightOf(action: Action): Right | "self" | undefined {
  return (ACTION_RIGHTS as Record<string, Right | "self">)[action];
}

/** Whether actor may perform action on scope (none: fleet-wide). */
export function can(actor: Actor | null | undefined, action: Action, scope?: Scope): boolean {
  if (!actor || actor.disabled) return false;
  const right = rightOf(action);
  if (!right) return false;
  if (right === "self") return true;
  if (!limitAllows(actor.limit, right, scope)) return false;
  return grantsOf(actor).some((g) => g.rights.includes(right) && covers(g, scope));
}

/** Whether actor may perform action on at least one scope (to show a page or control, and to gate list routes). */
export function canSomewhere(actor: Actor | null | undefined, action: Action): boolean {
  if (!actor || actor.disabled) return false;
  const right = rightOf(action);
  if (!right) return false;
  if (right === "self") return true;
  const limit = actor.limit;
  if (limit?.rights && !limit.rights.includes(right)) return false;
  if (!limit || (!limit.hostIds && !limit.namespaces)) return grantsOf(actor).some((g) => g.rights.includes(right));
  const scopes: Scope[] = [...(limit.hostIds ?? []).map((hostId) => ({ hostId })), ...(limit.namespaces ?? []).map((namespace) => ({ namespace }))];
  return scopes.some((s) => can(actor, action, s));
}

/**
 * The hosts where actor may perform action: "all" when fleet-wide, else the ids (perhaps none). A token narrowed to
 * host groups never sees "all". Lists keep only these (hosts, containers, images, search, the home page's counts).
 */
export function hostIdsFor(actor: Actor | null | undefined, action: Action): "all" | number[] {
  if (!actor || actor.disabled) return [];
  const right = rightOf(action);
  if (!right) return [];
  if (right !== "self" && actor.limit?.rights && !actor.limit.rights.includes(right)) return [];
  const held = grantsOf(actor).filter((g) => right === "self" || g.rights.includes(right));
  const limitHosts = actor.limit && (actor.limit.hostIds || actor.limit.namespaces) ? (actor.limit.hostIds ?? []) : null;
  if (held.some((g) => "fleet" in g.scope)) return limitHosts ? [...limitHosts] : "all";
  const ids = new Set<number>();
  for (const g of held) if ("hostIds" in g.scope) for (const id of g.scope.hostIds) ids.add(id);
  return [...ids].filter((id) => !limitHosts || limitHosts.includes(id)).sort((a, b) => a - b);
}

/**
 * The namespaces of the Kubernetes API where actor may perform action: "all" when fleet-wide, else those its namespace
 * bindings name (perhaps none). A list or watch across all namespaces keeps only these.
 */
export function namespacesFor(actor: Actor | null | undefined, action: Action): "all" | string[] {
  if (!actor || actor.disabled) return [];
  const right = rightOf(action);
  if (!right) return [];
  if (right !== "self" && actor.limit?.rights && !actor.limit.rights.includes(right)) return [];
  const held = grantsOf(actor).filter((g) => right === "self" || g.rights.includes(right));
  const limitNamespaces = actor.limit && (actor.limit.hostIds || actor.limit.namespaces) ? (actor.limit.namespaces ?? []) : null;
  if (held.some((g) => "fleet" in g.scope)) return limitNamespaces ? [...limitNamespaces] : "all";
  const names = new Set<string>();
  for (const g of held) if ("namespace" in g.scope) names.add(g.scope.namespace);
  return [...names].filter((n) => !limitNamespaces || limitNamespaces.includes(n)).sort();
}

/** Whose rights decided, in the words every refusal uses: "your role (viewer)", "your role (none) and bindings", "your
 * role (viewer) as narrowed by this API token" (a token's role caps its rights, so a token always narrows). */
export function describe(actor: Actor): string {
  const bound = actor.grants?.length ? ` and bindings` : "";
  return `your role (${actor.role})${bound}${actor.tokenId && actor.limit ? " as narrowed by this API token" : ""}`;
}

/** Why actor may not perform action, in the words every refusal uses (the REST routes', the Kubernetes API's Forbidden,
 * kubectl auth can-i's "no", the terminals'): "this account is disabled", "your role (viewer) does not allow k8s.write". */
export function refusal(actor: Actor, action: Action): string {
  return actor.disabled ? "this account is disabled" : `${describe(actor)} does not allow ${action}`;
}

/** Throws 401 when nobody is signed in, 403 when the actor's rights do not allow the action on the scope. */
export function authorize(actor: Actor | null | undefined, action: Action, scope?: Scope): asserts actor is Actor {
  if (!actor) throw unauthorized();
  if (actor.disabled) throw forbidden("this account is disabled");
  if (!can(actor, action, scope)) {
    const where = !scope ? "" : "hostId" in scope ? ` on host ${scope.hostId}` : ` in the namespace "${scope.namespace}"`;
    throw forbidden(`${describe(actor)} does not allow ${action}${where}`);
  }
}

/** Like authorize, where the actor has the right somewhere (list routes, which then filter what they show). */
export function authorizeSomewhere(actor: Actor | null | undefined, action: Action): asserts actor is Actor {
  if (!actor) throw unauthorized();
  if (actor.disabled) throw forbidden("this account is disabled");
  if (!canSomewhere(actor, action)) throw forbidden(`${describe(actor)} does not allow ${action}`);
}

/**
 * For anything on one host: 403 when the actor may do the action nowhere (as before scopes), 404 when the actor holds
 * no right on the host (it does not exist for them), 403 when it holds some there but not this one.
 */
export function authorizeHost(actor: Actor | null | undefined, action: Action, hostId: number): asserts actor is Actor {
  authorizeSomewhere(actor, action);
  const scope = { hostId };
  if (can(actor, action, scope)) return;
  if (!seesScope(actor!, scope)) throw notFound(`host ${hostId}`);
  authorize(actor, action, scope);
}

/**
 * For anything in one namespace of the Kubernetes API, through the REST API (/api/v1/…/{namespace}/…): as authorizeHost —
 * 403 when the actor may do the action nowhere, 404 when it holds no right in the namespace (it does not exist for
 * them), 403 when it holds some there but not this one. (The Kubernetes API itself answers Forbidden, as kube-apiserver.)
 */
export function authorizeNamespace(actor: Actor | null | undefined, action: Action, namespace: string): asserts actor is Actor {
  authorizeSomewhere(actor, action);
  const scope = { namespace };
  if (can(actor, action, scope)) return;
  if (!seesScope(actor!, scope)) throw notFound(`namespace ${namespace}`);
  authorize(actor, action, scope);
}

/** Whether actor holds any right at all on scope: what it cannot see there is a 403, anything else there is a 404. */
export function seesScope(actor: Actor, scope: Scope): boolean {
  if (actor.disabled) return false;
  return RIGHTS.some((right) => limitAllows(actor.limit, right, scope) && grantsOf(actor).some((g) => g.rights.includes(right) && covers(g, scope)));
}

/** Whether actor holds right on a whole target — the fleet, a host group, a namespace — by a grant on it or wider (what
 * an API token may be narrowed to: never wider than its creator). */
export function holdsRight(actor: Actor, right: Right, target: { fleet: true } | { hostGroupId: string } | { namespace: string }): boolean {
  if (actor.disabled) return false;
  if (actor.limit && !limitCovers(actor.limit, right, target)) return false;
  return grantsOf(actor).some((g) => {
    if (!g.rights.includes(right)) return false;
    if ("fleet" in g.scope) return true;
    if ("hostGroupId" in g.scope) return "hostGroupId" in target && target.hostGroupId === g.scope.hostGroupId;
    return "namespace" in target && target.namespace === g.scope.namespace;
  });
}

function limitCovers(limit: Limit, right: Right, target: { fleet: true } | { hostGroupId: string } | { namespace: string }): boolean {
  if (limit.rights && !limit.rights.includes(right)) return false;
  if (!limit.hostIds && !limit.namespaces) return true;
  return "namespace" in target && !!limit.namespaces?.includes(target.namespace);
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

/** Whether actor may see a team: those who read users, and its members. */
export function canReadTeam(actor: Actor, membership: { admin: boolean } | null): boolean {
  return can(actor, "users.read") || (!actor.disabled && membership !== null);
}

/** Whether actor may add and remove a team's members: those who manage users, and that team's admins (that team only). */
export function canManageTeamMembers(actor: Actor, membership: { admin: boolean } | null): boolean {
  if (actor.disabled) return false;
  if (actor.limit?.rights && !actor.limit.rights.includes("users.manage")) return false;
  return can(actor, "users.manage") || membership?.admin === true;
}

/** Whether actor may give a role in a binding: a built-in one as canAssignRole says; a custom one only with each of its
 * rights held fleet-wide (so nobody hands out what they do not hold). */
export function canBindRole(actor: Actor, role: { builtin: BindableRole } | { rights: readonly Right[] }): boolean {
  if (!can(actor, "users.manage")) return false;
  if ("builtin" in role) return canAssignRole(actor, role.builtin);
  return role.rights.every((r) => holdsRight(actor, r, { fleet: true }));
}

/** The rights a custom role or a token may name, checked: unknown names are refused by the zod schemas that use this. */
export function isRight(value: string): value is Right {
  return (RIGHTS as readonly string[]).includes(value);
}
