// PATCH /api/v1/users/:id — change an account's name, role, disabled flag or password (subject to canManageUser/canAssignRole).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { updateUser } from "@/lib/users/update-user";
import { updateUserSchema, userIdSchema } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

export const PATCH = withAuth<{ id: string }>(
  async ({ req, actor, params }) => {
    const id = parseParam(userIdSchema, params.id, "user id");
    return { user: await updateUser(actor, id, await parseJson(req, updateUserSchema)) };
  },
  { permission: "users.manage" },
);
