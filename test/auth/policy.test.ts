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
