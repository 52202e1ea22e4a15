// Adds a user to a team, or changes their admin flag: those who manage users, and the team's own admins (that team
// only, lib/auth/policy.ts canManageTeamMembers). Only those who manage users make or unmake team admins. Others get a
// 404 for a team they cannot see, a 403 for one they see but may not change.
import { db } from "@/lib/db";
import { authorize, can, canManageTeamMembers, canReadTeam, type Actor } from "@/lib/auth/policy";
import { forbidden, notFound, unprocessable } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { actorChanged } from "@/lib/users/actor-changes";
import { addTeamMemberSchema, type AddTeamMemberInput, type TeamView } from "./schemas";
import { getTeamOrThrow } from "./get-team-or-throw";

export async function addTeamMember(actor: Actor, teamId: string, input: AddTeamMemberInput): Promise<TeamView> {
  authorize(actor, "teams.members");
  const { userId, email, admin } = addTeamMemberSchema.parse(input);
  const team = await db.team.findUnique({ where: { id: teamId }, select: { name: true } });
  const mine = team ? await db.teamMember.findUnique({ where: { teamId_userId: { teamId, userId: actor.id } }, select: { admin: true } }) : null;
  if (!team || !canReadTeam(actor, mine)) throw notFound(`team ${teamId}`);
  if (!canManageTeamMembers(actor, mine)) throw forbidden(`only the team's admins and those who manage users change team "${team.name}"'s members`);
  const user = await db.user.findUnique({ where: userId ? { id: userId } : { email: email! }, select: { id: true, email: true, disabled: true } });
  if (!user) throw unprocessable(`${userId ? "userId" : "email"}: no such user`, [{ path: userId ? "userId" : "email", message: "no such user" }]);
  const existing = await db.teamMember.findUnique({ where: { teamId_userId: { teamId, userId: user.id } }, select: { admin: true } });
  const wantAdmin = admin ?? existing?.admin ?? false;
  if (wantAdmin !== (existing?.admin ?? false) && !can(actor, "users.manage")) throw forbidden("only those who manage users make or unmake team admins");
  noteActivity({ verb: existing ? "change" : "create", object: `${user.email}'s membership of team "${team.name}"`, extra: wantAdmin ? "(team admin)" : undefined });
  await db.teamMember.upsert({
    where: { teamId_userId: { teamId, userId: user.id } },
    create: { teamId, userId: user.id, admin: wantAdmin },
    update: { admin: wantAdmin },
  });
  actorChanged({ userId: user.id });
  return getTeamOrThrow(actor, teamId);
}
