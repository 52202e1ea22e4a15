// GET /api/v1/me — the signed-in account, as the server sees it right now (role, disabled), and what it may do.
import { withAuth } from "@/lib/http/with-auth";
import { PERMISSIONS, can, type Action } from "@/lib/auth/policy";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ actor }) => ({
    user: { id: actor.id, email: actor.email, name: actor.name, role: actor.role },
    permissions: (Object.keys(PERMISSIONS) as Action[]).filter((a) => can(actor, a)),
  }),
  { permission: "me.read" },
);
