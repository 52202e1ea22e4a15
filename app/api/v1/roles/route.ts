// GET /api/v1/roles — the built-in roles with their rights, and the custom ones. POST {name, rights, description?} — a custom role.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { createCustomRoleSchema } from "@/lib/role-bindings/schemas";
import { listRoles } from "@/lib/role-bindings/list-roles";
import { createCustomRole } from "@/lib/role-bindings/create-custom-role";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ actor }) => ({ roles: await listRoles(actor) }), { permission: "users.read" });

export const POST = withAuth(async ({ req, actor }) => createCustomRole(actor, await parseJson(req, createCustomRoleSchema)), { permission: "users.manage", status: 201 });
