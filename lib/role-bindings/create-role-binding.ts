// Gives a user or a team a role — built-in or custom — on the fleet, a host group or a namespace (users.manage, and
// lib/auth/policy.ts canBindRole: admins give operator and viewer, owners any; a custom role only when the actor holds
// each of its rights fleet-wide). It takes effect on the subject's next request; open sockets are re-checked.
import { db } from "@/lib/db";
import { authorize, canBindRole, isRight, type Actor } from "@/lib/auth/policy";
import { forbidden, unprocessable } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { createRoleBindingSchema, type CreateRoleBindingInput, type RoleBindingView } from "./schemas";
import { BINDING_SELECT, roleBindingViews } from "./role-binding-view";
import { announceBindingSubjects } from "./announce-binding-subjects";

const missing = (field: string, what: string) => unprocessable(`${field}: no ${what}`, [{ path: field, message: `no ${what}` }]);

export async function createRoleBinding(actor: Actor, input: CreateRoleBindingInput): Promise<RoleBindingView> {
  authorize(actor, "users.manage");
  const b = createRoleBindingSchema.parse(input);
  const user = b.userId ? await db.user.findUnique({ where: { id: b.userId }, select: { email: true } }) : null;
  if (b.userId && !user) throw missing("userId", `user ${b.userId}`);
  const team = b.teamId ? await db.team.findUnique({ where: { id: b.teamId }, select: { name: true } }) : null;
  if (b.teamId && !team) throw missing("teamId", `team ${b.teamId}`);
  const custom = b.customRoleId ? await db.customRole.findUnique({ where: { id: b.customRoleId }, select: { name: true, rights: true } }) : null;
  if (b.customRoleId && !custom) throw missing("customRoleId", `custom role ${b.customRoleId}`);
  const group = b.hostGroupId ? await db.hostGroup.findUnique({ where: { id: b.hostGroupId }, select: { name: true } }) : null;
  if (b.hostGroupId && !group) throw missing("hostGroupId", `host group ${b.hostGroupId}`);
  const roleName = custom?.name ?? b.role!;
  if (!canBindRole(actor, custom ? { rights: custom.rights.filter(isRight) } : { builtin: b.role! }))
    throw forbidden(`your role (${actor.role}) may not give the role ${roleName}`);
  const on = group ? `host group "${group.name}"` : b.namespace ? `namespace "${b.namespace}"` : "the fleet";
  noteActivity({ verb: "create", object: `role binding: ${user ? user.email : `team "${team!.name}"`} is ${roleName} on ${on}` });
  const row = await db.roleBinding.create({
    data: {
      userId: b.userId ?? null,
      teamId: b.teamId ?? null,
      role: b.role ?? null,
      customRoleId: b.customRoleId ?? null,
      hostGroupId: b.hostGroupId ?? null,
      namespace: b.namespace ?? null,
      createdById: actor.id,
    },
    select: BINDING_SELECT,
  });
  await announceBindingSubjects([row]);
  return (await roleBindingViews([row]))[0]!;
}
