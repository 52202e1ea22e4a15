// Renames a team or changes its description (users.manage).
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { conflict, notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { updateTeamSchema, type TeamView, type UpdateTeamInput } from "./schemas";
import { TEAM_SELECT, teamViews } from "./team-view";

export async function updateTeam(actor: Actor, id: string, input: UpdateTeamInput): Promise<TeamView> {
  authorize(actor, "users.manage");
  const { name, description } = updateTeamSchema.parse(input);
  const team = await db.team.findUnique({ where: { id }, select: { name: true } });
  if (!team) throw notFound(`team ${id}`);
  noteActivity({ verb: "change", object: `team "${team.name}"`, extra: name && name !== team.name ? `(renamed "${name}")` : undefined });
  if (name && name !== team.name && (await db.team.findUnique({ where: { name }, select: { id: true } }))) throw conflict(`a team named "${name}" exists`);
  const row = await db.team.update({ where: { id }, data: { ...(name ? { name } : {}), ...(description !== undefined ? { description } : {}) }, select: TEAM_SELECT });
  return (await teamViews([row]))[0]!;
}
