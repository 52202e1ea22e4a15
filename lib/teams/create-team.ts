// Creates a team (users.manage). Names are unique: a second team of the same name is a 409.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { conflict } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { createTeamSchema, type CreateTeamInput, type TeamView } from "./schemas";
import { TEAM_SELECT, teamViews } from "./team-view";

export async function createTeam(actor: Actor, input: CreateTeamInput): Promise<TeamView> {
  authorize(actor, "users.manage");
  const { name, description } = createTeamSchema.parse(input);
  noteActivity({ verb: "create", object: `team "${name}"` });
  if (await db.team.findUnique({ where: { name }, select: { id: true } })) throw conflict(`a team named "${name}" exists`);
  const row = await db.team.create({ data: { name, description: description ?? null }, select: TEAM_SELECT });
  return (await teamViews([row]))[0]!;
}
