// DELETE /api/v1/role-bindings/{id} — take a role binding away.
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { bindingIdSchema } from "@/lib/role-bindings/schemas";
import { deleteRoleBinding } from "@/lib/role-bindings/delete-role-binding";

export const dynamic = "force-dynamic";

export const DELETE = withAuth<{ id: string }>(async ({ actor, params }) => deleteRoleBinding(actor, parseParam(bindingIdSchema, params.id, "role binding id")), { permission: "users.manage" });
