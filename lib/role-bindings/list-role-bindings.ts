// Role bindings (users.read), optionally of one user or one team.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { BINDING_SELECT, roleBindingViews } from "./role-binding-view";
import type { RoleBindingView } from "./schemas";

export async function listRoleBindings(actor: Actor, filter: { userId?: string; teamId?: string } = {}): Promise<RoleBindingView[]> {
  authorize(actor, "users.read");
  const where = { ...(filter.userId ? { userId: filter.userId } : {}), ...(filter.teamId ? { teamId: filter.teamId } : {}) };
  return roleBindingViews(await db.roleBinding.findMany({ where, select: BINDING_SELECT, orderBy: { createdAt: "asc" } }));
}
