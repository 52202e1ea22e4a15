// The roles a binding may give: the built-in ones with their rights, then the custom ones (users.read).
import { db } from "@/lib/db";
import { authorize, BINDABLE_ROLES, ROLE_RIGHTS, type Actor } from "@/lib/auth/policy";
import type { RoleView } from "./schemas";

export async function listRoles(actor: Actor): Promise<RoleView[]> {
  authorize(actor, "users.read");
  const custom = await db.customRole.findMany({ select: { id: true, name: true, description: true, rights: true }, orderBy: { name: "asc" } });
  return [
    ...BINDABLE_ROLES.map((name) => ({ id: null, name, builtin: true, description: null, rights: [...ROLE_RIGHTS[name]] })),
    ...custom.map((r) => ({ ...r, builtin: false })),
  ];
}
