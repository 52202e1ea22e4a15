// GET /api/v1/users — every account (admins and owners). POST — create an account with a role and an initial password.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { listUsers } from "@/lib/users/list-users";
import { createUser } from "@/lib/users/create-user";
import { createUserSchema } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

export const GET = withAuth(async () => ({ users: await listUsers() }), { permission: "users.read" });

export const POST = withAuth(
  async ({ req, actor }) => ({ user: await createUser(actor, await parseJson(req, createUserSchema)) }),
  { permission: "users.manage", status: 201 },
);
