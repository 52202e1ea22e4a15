// Removes a user from a team: those who manage users, and the team's own admins (a team admin cannot remove another
// team admin — only those who manage users unmake admins). What the team gave them ends at once.
import { db } from "@/lib/db";
import { authorize, can, canManageTeamMembers, canReadTeam, type Actor } from "@/lib/auth/policy";
import { forbidden, notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { actorChanged } from "@/lib/users/actor-changes";

export async function removeTeamMember(actor: Actor, teamId: string, userId: string): Promise<void> {
  authorize(actor, "teams.members");
  const team = await db.team.findUnique({ where: { id: teamId }, select: { name: true } });
  const mine = team ? await db.teamMember.findUnique({ where: { teamId_userId: { teamId, userId: actor.id } }, select: { admin: true } }) : null;
  if (!team || !canReadTeam(actor, mine)) throw notFound(`team ${teamId}`);
  if (!canManageTeamMembers(actor, mine)) throw forbidden(`only the team's admins and those who manage users change team "${team.name}"'s members`);
  const member = await db.teamMember.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { admin: true } });
  if (!member) throw notFound(`member ${userId} of team "${team.name}"`);
  if (member.admin && userId !== actor.id && !can(actor, "users.manage")) throw forbidden("only those who manage users remove a team admin");
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true } });
  noteActivity({ verb: "remove", object: `${user?.email ?? userId} from team "${team.name}"` });
  await db.teamMember.delete({ where: { teamId_userId: { teamId, userId } } });
  actorChanged({ userId });
}
