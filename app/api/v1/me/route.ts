// GET /api/v1/me — the signed-in account as the server sees it now (role, disabled), and what it may do.
// PATCH — change one's own name, or password (with the current one).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { PERMISSIONS, can, type Action } from "@/lib/auth/policy";
import { updateOwnAccount } from "@/lib/users/update-own-account";
import { updateOwnAccountSchema } from "@/lib/users/schemas";
import { clientAddress } from "@/lib/activity/client-address";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ actor }) => ({
    user: { id: actor.id, email: actor.email, name: actor.name, role: actor.role },
    permissions: (Object.keys(PERMISSIONS) as Action[]).filter((a) => can(actor, a)),
  }),
  { permission: "me.read" },
);

export const PATCH = withAuth(
  async ({ req, actor }) => ({ user: await updateOwnAccount(actor, await parseJson(req, updateOwnAccountSchema), clientAddress(req.headers)) }),
  { permission: "me.update" },
);
