// POST /api/v1/teams/{id}/members {userId | email, admin?} — add a member or change their admin flag (those who manage
// users, and this team's admins; only the former set admin).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { addTeamMemberSchema, teamIdSchema } from "@/lib/teams/schemas";
import { addTeamMember } from "@/lib/teams/add-team-member";

export const dynamic = "force-dynamic";

export const POST = withAuth<{ id: string }>(
  async ({ req, actor, params }) => addTeamMember(actor, parseParam(teamIdSchema, params.id, "team id"), await parseJson(req, addTeamMemberSchema)),
  { permission: "teams.members" },
);
