// The policy module as a table: every role × every action it knows, deny by default, disabled users denied everything,
// and the user-management rules (canAssignRole, canManageUser) for every pair of roles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ROLES, PERMISSIONS, can, authorize, canAssignRole, canManageUser, type Action, type Actor, type Role } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";

const actor = (role: Role, id = `id-${role}`, disabled = false): Actor => ({ id, email: `${role}@example.test`, name: role, role, disabled });

// What each role may do, for the actions this area relies on (other areas' actions are checked generically below).
const EXPECTED: Partial<Record<Action, Role[]>> = {
  "me.read": ["owner", "admin", "operator", "viewer", "none"],
  "me.update": ["owner", "admin", "operator", "viewer", "none"],
  "users.read": ["owner", "admin"],
  "users.manage": ["owner", "admin"],
  "hosts.read": ["owner", "admin", "operator", "viewer"],
  "hosts.join": ["owner", "admin"],
  "containers.manage": ["owner", "admin", "operator"],
  "containers.host-access": ["owner", "admin"],
  "containers.exec": ["owner", "admin", "operator"],
  "containers.port-forward": ["owner", "admin", "operator"],
  // The Kubernetes API: everyone reads objects, operators and up write them and read Secrets.
  "k8s.read": ["owner", "admin", "operator", "viewer"],
  "k8s.write": ["owner", "admin", "operator"],
  "k8s.secrets.read": ["owner", "admin", "operator"],
};

test("role × action follows the PERMISSIONS table, with the expected rows for this area", () => {
  for (const [action, roles] of Object.entries(EXPECTED) as [Action, Role[]][]) {
    for (const role of ROLES) assert.equal(can(actor(role), action), roles.includes(role), `${role} ${action}`);
  }
  for (const action of Object.keys(PERMISSIONS) as Action[]) {
    for (const role of ROLES) assert.equal(can(actor(role), action), (PERMISSIONS[action] as readonly Role[]).includes(role));
  }
});

test("deny by default: unknown actions, nobody, and disabled users", () => {
  for (const role of ROLES) {
    assert.equal(can(actor(role), "users.delete-everything" as Action), false);
    for (const action of Object.keys(PERMISSIONS) as Action[]) {
      assert.equal(can(actor(role, "x", true), action), false, `disabled ${role} ${action}`);
      assert.equal(can(null, action), false);
    }
  }
  assert.throws(() => authorize(null, "me.read"), (e: GantryError) => e.status === 401);
  assert.throws(() => authorize(actor("owner", "x", true), "me.read"), (e: GantryError) => e.status === 403 && /disabled/.test(e.message));
  assert.throws(() => authorize(actor("viewer"), "users.read"), (e: GantryError) => e.status === 403 && /viewer/.test(e.message));
});

test("who may give which role: owners any, admins operator and viewer, others none", () => {
  const expected: Record<Role, Role[]> = { owner: [...ROLES], admin: ["operator", "viewer", "none"], operator: [], viewer: [], none: [] };
  for (const by of ROLES) for (const role of ROLES) assert.equal(canAssignRole(actor(by), role), expected[by].includes(role), `${by} → ${role}`);
  for (const role of ROLES) assert.equal(canAssignRole(actor("owner", "x", true), role), false);
});

test("who may manage whom: owners everyone else, admins operators and viewers, never oneself", () => {
  const expected: Record<Role, Role[]> = { owner: [...ROLES], admin: ["operator", "viewer", "none"], operator: [], viewer: [], none: [] };
  for (const by of ROLES) {
    for (const target of ROLES) {
      assert.equal(canManageUser(actor(by, "me"), { id: "other", role: target }), expected[by].includes(target), `${by} manages ${target}`);
    }
    assert.equal(canManageUser(actor(by, "me"), { id: "me", role: by }), false, `${by} never manages themselves`);
  }
});

test("scopes: a host group's grant reaches its hosts only, a namespace's its namespace, a token's limit narrows both", async () => {
  const { authorizeHost, canSomewhere, hostIdsFor, ROLE_RIGHTS } = await import("@/lib/auth/policy");
  const member: Actor = {
    ...actor("none", "m"),
    grants: [
      { rights: ROLE_RIGHTS.operator, scope: { hostGroupId: "g-a", hostIds: [1, 2] } },
      { rights: ["logs"], scope: { hostGroupId: "g-b", hostIds: [3] } },
      { rights: ROLE_RIGHTS.operator, scope: { namespace: "pay" } },
    ],
  };
  assert.equal(can(member, "containers.manage", { hostId: 1 }), true);
  assert.equal(can(member, "containers.manage"), false, "not fleet-wide");
  assert.equal(can(member, "containers.manage", { hostId: 3 }), false);
  assert.equal(can(member, "containers.logs", { hostId: 3 }), true);
  assert.equal(can(member, "k8s.write", { namespace: "pay" }), true);
  assert.equal(can(member, "k8s.write", { namespace: "ledger" }), false);
  assert.equal(can(member, "containers.manage", { namespace: "pay" }), true, "a namespace grant is its own scope");
  assert.equal(can(member, "users.read"), false);
  assert.equal(canSomewhere(member, "containers.exec"), true);
  assert.equal(canSomewhere(member, "hosts.join"), false);
  assert.deepEqual(hostIdsFor(member, "hosts.read"), [1, 2]);
  assert.deepEqual(hostIdsFor(member, "containers.logs"), [1, 2, 3]);
  assert.equal(hostIdsFor(actor("viewer"), "hosts.read"), "all");
  // 404 where no right reaches the host, 403 where one does but not this one, 403 where none reaches anywhere.
  assert.throws(() => authorizeHost(member, "containers.manage", 9), (e: GantryError) => e.status === 404);
  assert.throws(() => authorizeHost(member, "containers.manage", 3), (e: GantryError) => e.status === 403);
  assert.throws(() => authorizeHost(member, "hosts.revoke", 1), (e: GantryError) => e.status === 403);
  assert.doesNotThrow(() => authorizeHost(member, "containers.exec", 2));

  // A token of an owner narrowed to logs on hosts 1 and 2.
  const token: Actor = { ...actor("owner", "o"), tokenId: "t", limit: { rights: ["logs"], hostIds: [1, 2], namespaces: [] } };
  assert.equal(can(token, "containers.logs", { hostId: 1 }), true);
  assert.equal(can(token, "containers.logs", { hostId: 3 }), false);
  assert.equal(can(token, "containers.logs"), false, "never fleet-wide once narrowed to scopes");
  assert.equal(can(token, "containers.manage", { hostId: 1 }), false);
  assert.equal(can(token, "k8s.read", { namespace: "pay" }), false);
  assert.equal(can(token, "me.read"), true);
  assert.deepEqual(hostIdsFor(token, "containers.logs"), [1, 2]);
  assert.throws(() => authorizeHost(token, "containers.manage", 3), (e: GantryError) => e.status === 403, "no manage anywhere: 403");
  assert.throws(() => authorizeHost(token, "containers.logs", 3), (e: GantryError) => e.status === 404);
  // The limit never widens: a narrowed token of a member holds only what the member holds.
  const narrowedMember: Actor = { ...member, tokenId: "t2", limit: { rights: ["logs", "hosts.manage"], hostIds: [1, 3], namespaces: [] } };
  assert.equal(can(narrowedMember, "hosts.revoke", { hostId: 1 }), false);
  assert.equal(can(narrowedMember, "containers.logs", { hostId: 3 }), true);
  assert.equal(can(narrowedMember, "containers.logs", { hostId: 2 }), false);
});

test("every action needs a right that exists, and the built-in roles' rights keep today's table", async () => {
  const { ACTION_RIGHTS, RIGHTS } = await import("@/lib/auth/policy");
  for (const [action, right] of Object.entries(ACTION_RIGHTS)) assert.ok(right === "self" || (RIGHTS as readonly string[]).includes(right), action);
  const MANAGERS = ["owner", "admin"];
  const OPERATORS = ["owner", "admin", "operator"];
  const ALL = ["owner", "admin", "operator", "viewer"];
  const before: Record<string, string[]> = {
    "hosts.read": ALL, "hosts.join": MANAGERS, "hosts.update": MANAGERS, "hosts.revoke": MANAGERS, "users.read": MANAGERS, "users.manage": MANAGERS,
    "containers.read": ALL, "containers.manage": OPERATORS, "containers.logs": OPERATORS, "containers.exec": OPERATORS, "containers.port-forward": OPERATORS,
    "containers.host-access": MANAGERS, "images.read": ALL, "images.manage": OPERATORS, "activity.read": MANAGERS, "k8s.read": ALL, "k8s.write": OPERATORS,
    "k8s.secrets.read": OPERATORS,
  };
  for (const [action, roles] of Object.entries(before)) assert.deepEqual([...PERMISSIONS[action as Action]], roles, action);
});
