// GET /api/v1/teams — the teams one may see (all of them for users.read, else one's own). POST {name, description?} — create one.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { createTeamSchema } from "@/lib/teams/schemas";
import { listTeams } from "@/lib/teams/list-teams";
import { createTeam } from "@/lib/teams/create-team";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ actor }) => ({ teams: await listTeams(actor) }), { permission: "teams.read" });

export const POST = withAuth(async ({ req, actor }) => createTeam(actor, await parseJson(req, createTeamSchema)), { permission: "users.manage", status: 201 });
