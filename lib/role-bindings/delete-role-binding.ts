// Removes a role binding (users.manage; a built-in role's binding only by someone who may give that role). What it
// gave ends on the subject's next request; open sockets are re-checked.
import { db } from "@/lib/db";
import { authorize, canBindRole, isRight, type Actor, type BindableRole } from "@/lib/auth/policy";
import { forbidden, notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { announceBindingSubjects } from "./announce-binding-subjects";

export async function deleteRoleBinding(actor: Actor, id: string): Promise<void> {
  authorize(actor, "users.manage");
  const row = await db.roleBinding.findUnique({ where: { id }, select: { userId: true, teamId: true, role: true, customRole: { select: { name: true, rights: true } } } });
  if (!row) throw notFound(`role binding ${id}`);
  const roleName = row.customRole?.name ?? row.role!;
  if (!canBindRole(actor, row.customRole ? { rights: row.customRole.rights.filter(isRight) } : { builtin: row.role as BindableRole }))
    throw forbidden(`your role (${actor.role}) may not take away the role ${roleName}`);
  noteActivity({ verb: "remove", object: `role binding ${id} (${roleName})` });
  await db.roleBinding.delete({ where: { id } });
  await announceBindingSubjects([row]);
}
