// DELETE /api/v1/teams/{id}/members/{userId} — remove a member (those who manage users, and this team's admins).
import { z } from "zod";
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { teamIdSchema } from "@/lib/teams/schemas";
import { removeTeamMember } from "@/lib/teams/remove-team-member";

export const dynamic = "force-dynamic";

export const DELETE = withAuth<{ id: string; userId: string }>(
  async ({ actor, params }) =>
    removeTeamMember(actor, parseParam(teamIdSchema, params.id, "team id"), parseParam(z.string().min(1).max(100), params.userId, "user id")),
  { permission: "teams.members" },
);
