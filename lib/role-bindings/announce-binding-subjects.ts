// After a binding (or what it reaches) changes: every user it concerns — the user, or each member of the team — is
// announced as changed, so open sockets re-check what they may still receive (lib/users/actor-changes.ts).
import { db } from "@/lib/db";
import { actorChanged } from "@/lib/users/actor-changes";

export async function announceBindingSubjects(subjects: readonly { userId: string | null; teamId: string | null }[]): Promise<void> {
  const users = new Set(subjects.flatMap((s) => (s.userId ? [s.userId] : [])));
  const teamIds = [...new Set(subjects.flatMap((s) => (s.teamId ? [s.teamId] : [])))];
  if (teamIds.length) for (const m of await db.teamMember.findMany({ where: { teamId: { in: teamIds } }, select: { userId: true } })) users.add(m.userId);
  for (const userId of users) actorChanged({ userId });
}
