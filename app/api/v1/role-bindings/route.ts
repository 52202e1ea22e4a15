// GET /api/v1/role-bindings?userId=&teamId= — role bindings. POST {userId | teamId, role | customRoleId, hostGroupId? | namespace?}
// — give a user or a team a role on the fleet, a host group or a namespace.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseQuery } from "@/lib/http/parse";
import { createRoleBindingSchema, listRoleBindingsQuery } from "@/lib/role-bindings/schemas";
import { listRoleBindings } from "@/lib/role-bindings/list-role-bindings";
import { createRoleBinding } from "@/lib/role-bindings/create-role-binding";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => ({ roleBindings: await listRoleBindings(actor, parseQuery(req, listRoleBindingsQuery)) }), { permission: "users.read" });

export const POST = withAuth(async ({ req, actor }) => createRoleBinding(actor, await parseJson(req, createRoleBindingSchema)), { permission: "users.manage", status: 201 });
