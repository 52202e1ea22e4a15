// Deletes a host group (users.manage): the role bindings on it go with it, and so does what they gave.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { announceBindingSubjects } from "@/lib/role-bindings/announce-binding-subjects";

export async function deleteHostGroup(actor: Actor, id: string): Promise<void> {
  authorize(actor, "users.manage");
  const group = await db.hostGroup.findUnique({ where: { id }, select: { name: true, bindings: { select: { userId: true, teamId: true } } } });
  if (!group) throw notFound(`host group ${id}`);
  noteActivity({ verb: "remove", object: `host group "${group.name}"` });
  await db.hostGroup.delete({ where: { id } });
  await announceBindingSubjects(group.bindings);
}
