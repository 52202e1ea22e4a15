// Deletes a custom role (users.manage): its bindings go with it, and what they gave.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { announceBindingSubjects } from "./announce-binding-subjects";

export async function deleteCustomRole(actor: Actor, id: string): Promise<void> {
  authorize(actor, "users.manage");
  const role = await db.customRole.findUnique({ where: { id }, select: { name: true, bindings: { select: { userId: true, teamId: true } } } });
  if (!role) throw notFound(`role ${id}`);
  noteActivity({ verb: "remove", object: `role "${role.name}"` });
  await db.customRole.delete({ where: { id } });
  await announceBindingSubjects(role.bindings);
}
