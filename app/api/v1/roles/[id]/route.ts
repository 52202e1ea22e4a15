// PATCH /api/v1/roles/{id} {rights?, description?} — change a custom role; DELETE — remove it with its bindings.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { roleIdSchema, updateCustomRoleSchema } from "@/lib/role-bindings/schemas";
import { updateCustomRole } from "@/lib/role-bindings/update-custom-role";
import { deleteCustomRole } from "@/lib/role-bindings/delete-custom-role";

export const dynamic = "force-dynamic";

type P = { id: string };

export const PATCH = withAuth<P>(
  async ({ req, actor, params }) => updateCustomRole(actor, parseParam(roleIdSchema, params.id, "role id"), await parseJson(req, updateCustomRoleSchema)),
  { permission: "users.manage" },
);

export const DELETE = withAuth<P>(async ({ actor, params }) => deleteCustomRole(actor, parseParam(roleIdSchema, params.id, "role id")), { permission: "users.manage" });
