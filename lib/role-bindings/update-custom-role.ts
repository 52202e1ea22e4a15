// Changes a custom role's rights or description (users.manage, holding each new right fleet-wide). Everyone bound to
// it has the new rights on their next request.
import { db } from "@/lib/db";
import { authorize, holdsRight, type Actor } from "@/lib/auth/policy";
import { forbidden, notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { updateCustomRoleSchema, type RoleView, type UpdateCustomRoleInput } from "./schemas";
import { announceBindingSubjects } from "./announce-binding-subjects";

export async function updateCustomRole(actor: Actor, id: string, input: UpdateCustomRoleInput): Promise<RoleView> {
  authorize(actor, "users.manage");
  const { description, rights } = updateCustomRoleSchema.parse(input);
  const role = await db.customRole.findUnique({ where: { id }, select: { name: true, bindings: { select: { userId: true, teamId: true } } } });
  if (!role) throw notFound(`role ${id}`);
  noteActivity({ verb: "change", object: `role "${role.name}"`, extra: rights ? `(${rights.join(", ")})` : undefined });
  const lacking = rights?.find((r) => !holdsRight(actor, r, { fleet: true }));
  if (lacking) throw forbidden(`a role you change cannot hold ${lacking}: you do not hold it fleet-wide`);
  const row = await db.customRole.update({
    where: { id },
    data: { ...(rights ? { rights: [...new Set(rights)] } : {}), ...(description !== undefined ? { description } : {}) },
    select: { id: true, name: true, description: true, rights: true },
  });
  await announceBindingSubjects(role.bindings);
  return { ...row, builtin: false };
}
