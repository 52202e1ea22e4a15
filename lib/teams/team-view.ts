// A team as the API shows it: its members with their names and emails (users are looked up, never joined: the User
// model belongs to the accounts domain).
import { db } from "@/lib/db";
import type { TeamView } from "./schemas";

type TeamRow = { id: string; name: string; description: string | null; createdAt: Date; members: { userId: string; admin: boolean; createdAt: Date }[] };

export const TEAM_SELECT = {
  id: true,
  name: true,
  description: true,
  createdAt: true,
  members: { select: { userId: true, admin: true, createdAt: true }, orderBy: { createdAt: "asc" as const } },
};

export async function teamViews(rows: TeamRow[]): Promise<TeamView[]> {
  const ids = [...new Set(rows.flatMap((t) => t.members.map((m) => m.userId)))];
  const users = ids.length ? await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true, name: true } }) : [];
  const byId = new Map(users.map((u) => [u.id, u]));
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    description: t.description,
    createdAt: t.createdAt.toISOString(),
    members: t.members.map((m) => ({
      userId: m.userId,
      email: byId.get(m.userId)?.email ?? "",
      name: byId.get(m.userId)?.name ?? "",
      admin: m.admin,
      since: m.createdAt.toISOString(),
    })),
  }));
}
