// Deletes a team (users.manage): its memberships and role bindings go with it, and its members lose what the team
// gave them at once (open sockets are re-checked).
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { actorChanged } from "@/lib/users/actor-changes";

export async function deleteTeam(actor: Actor, id: string): Promise<void> {
  authorize(actor, "users.manage");
  const team = await db.team.findUnique({ where: { id }, select: { name: true, members: { select: { userId: true } } } });
  if (!team) throw notFound(`team ${id}`);
  noteActivity({ verb: "remove", object: `team "${team.name}"` });
  await db.team.delete({ where: { id } });
  for (const m of team.members) actorChanged({ userId: m.userId });
}
