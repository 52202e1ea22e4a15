// GET /api/v1/teams/{id} — a team with its members (404 for those who may not see it); PATCH {name?, description?}; DELETE.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { teamIdSchema, updateTeamSchema } from "@/lib/teams/schemas";
import { getTeamOrThrow } from "@/lib/teams/get-team-or-throw";
import { updateTeam } from "@/lib/teams/update-team";
import { deleteTeam } from "@/lib/teams/delete-team";

export const dynamic = "force-dynamic";

type P = { id: string };

export const GET = withAuth<P>(async ({ actor, params }) => getTeamOrThrow(actor, parseParam(teamIdSchema, params.id, "team id")), { permission: "teams.read" });

export const PATCH = withAuth<P>(
  async ({ req, actor, params }) => updateTeam(actor, parseParam(teamIdSchema, params.id, "team id"), await parseJson(req, updateTeamSchema)),
  { permission: "users.manage" },
);

export const DELETE = withAuth<P>(async ({ actor, params }) => deleteTeam(actor, parseParam(teamIdSchema, params.id, "team id")), { permission: "users.manage" });
