// One team, for those who may see it (lib/auth/policy.ts canReadTeam); anyone else gets a 404, as if it did not exist.
import { db } from "@/lib/db";
import { authorize, canReadTeam, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { TEAM_SELECT, teamViews } from "./team-view";
import type { TeamView } from "./schemas";

export async function getTeamOrThrow(actor: Actor, id: string): Promise<TeamView> {
  authorize(actor, "teams.read");
  const row = await db.team.findUnique({ where: { id }, select: TEAM_SELECT });
  const mine = row?.members.find((m) => m.userId === actor.id) ?? null;
  if (!row || !canReadTeam(actor, mine)) throw notFound(`team ${id}`);
  return (await teamViews([row]))[0]!;
}
