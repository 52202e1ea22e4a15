// Takes a host out of a host group (users.manage): those who reached it through the group no longer do.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { announceBindingSubjects } from "@/lib/role-bindings/announce-binding-subjects";

export async function removeGroupHost(actor: Actor, id: string, hostId: number): Promise<void> {
  authorize(actor, "users.manage");
  const group = await db.hostGroup.findUnique({ where: { id }, select: { name: true, bindings: { select: { userId: true, teamId: true } } } });
  if (!group) throw notFound(`host group ${id}`);
  noteActivity({ verb: "change", object: `host group "${group.name}"`, extra: `(host ${hostId} removed)` });
  const { count } = await db.hostGroupMember.deleteMany({ where: { hostGroupId: id, hostId } });
  if (count === 0) throw notFound(`host ${hostId} in host group "${group.name}"`);
  await announceBindingSubjects(group.bindings);
}
