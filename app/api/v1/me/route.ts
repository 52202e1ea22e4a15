// GET /api/v1/me — the signed-in account as the server sees it now (role, disabled), and what it may do: `permissions`
// fleet-wide, `somewhere` the actions it may take only on some hosts or namespaces, and `grants` where those come from
// (its role, its own and its teams' role bindings, an API token's narrowing applied by the policy module).
// PATCH — change one's own name, or password (with the current one).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { PERMISSIONS, can, canSomewhere, grantsOf, type Action, type Grant } from "@/lib/auth/policy";
import { updateOwnAccount } from "@/lib/users/update-own-account";
import { updateOwnAccountSchema } from "@/lib/users/schemas";
import { clientAddress } from "@/lib/activity/client-address";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ actor }) => ({
    user: { id: actor.id, email: actor.email, name: actor.name, role: actor.role },
    permissions: (Object.keys(PERMISSIONS) as Action[]).filter((a) => can(actor, a)),
    somewhere: (Object.keys(PERMISSIONS) as Action[]).filter((a) => !can(actor, a) && canSomewhere(actor, a)),
    grants: grantsOf(actor).filter((g) => g.rights.length > 0).map(grantView),
  }),
  { permission: "me.read" },
);

export const PATCH = withAuth(
  async ({ req, actor }) => ({ user: await updateOwnAccount(actor, await parseJson(req, updateOwnAccountSchema), clientAddress(req.headers)) }),
  { permission: "me.update" },
);

function grantView(g: Grant) {
  const scope =
    "fleet" in g.scope ? { kind: "fleet" as const }
    : "hostIds" in g.scope ? { kind: "hostGroup" as const, hostGroupId: g.scope.hostGroupId, hostIds: [...g.scope.hostIds] }
    : { kind: "namespace" as const, namespace: g.scope.namespace };
  return { rights: [...g.rights], scope, source: g.source ?? null };
}
