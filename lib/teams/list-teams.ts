// The teams an actor may see: every team for those who read users, else the teams they belong to.
import { db } from "@/lib/db";
import { authorize, can, type Actor } from "@/lib/auth/policy";
import { TEAM_SELECT, teamViews } from "./team-view";
import type { TeamView } from "./schemas";

export async function listTeams(actor: Actor): Promise<TeamView[]> {
  authorize(actor, "teams.read");
  const where = can(actor, "users.read") ? {} : { members: { some: { userId: actor.id } } };
  return teamViews(await db.team.findMany({ where, select: TEAM_SELECT, orderBy: { name: "asc" } }));
}
