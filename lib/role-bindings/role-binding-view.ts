// A role binding as the API shows it: subject, role and scope each with its name.
import { db } from "@/lib/db";
import { ROLE_RIGHTS, type Role } from "@/lib/auth/policy";
import type { RoleBindingView } from "./schemas";

export const BINDING_SELECT = {
  id: true,
  userId: true,
  teamId: true,
  role: true,
  namespace: true,
  createdById: true,
  createdAt: true,
  team: { select: { name: true } },
  customRole: { select: { id: true, name: true, rights: true } },
  hostGroup: { select: { id: true, name: true } },
} as const;

type Row = {
  id: string;
  userId: string | null;
  teamId: string | null;
  role: string | null;
  namespace: string | null;
  createdById: string | null;
  createdAt: Date;
  team: { name: string } | null;
  customRole: { id: string; name: string; rights: string[] } | null;
  hostGroup: { id: string; name: string } | null;
};

export async function roleBindingViews(rows: Row[]): Promise<RoleBindingView[]> {
  const userIds = [...new Set(rows.flatMap((r) => (r.userId ? [r.userId] : [])))];
  const users = userIds.length ? await db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }) : [];
  const email = new Map(users.map((u) => [u.id, u.email]));
  return rows.map((r) => ({
    id: r.id,
    subject: r.userId ? { kind: "user", id: r.userId, name: email.get(r.userId) ?? "" } : { kind: "team", id: r.teamId!, name: r.team?.name ?? "" },
    role: r.customRole
      ? { kind: "custom", id: r.customRole.id, name: r.customRole.name, rights: r.customRole.rights }
      : { kind: "builtin", id: null, name: r.role!, rights: [...ROLE_RIGHTS[r.role as Role]] },
    scope: r.hostGroup
      ? { kind: "hostGroup", id: r.hostGroup.id, name: r.hostGroup.name }
      : r.namespace !== null
        ? { kind: "namespace", id: null, name: r.namespace }
        : { kind: "fleet", id: null, name: null },
    createdById: r.createdById,
    createdAt: r.createdAt.toISOString(),
  }));
}
