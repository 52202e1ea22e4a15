// Revokes one session: its own user may, and so may whoever manages that user. The session's next request is a 401,
// and its open sockets are dropped now (the actor-changed signal makes the control plane re-read each of that user's
// sockets; only those opened with this session find it gone). The user's other sessions go on.
import { db } from "@/lib/db";
import { canManageUser, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { actorChanged } from "@/lib/users/actor-changes";
import { noteActivity } from "@/lib/activity/activity-note";
import { SESSION_SELECT, sessionView } from "./session-view";
import type { SessionView } from "./schemas";

export async function revokeSession(actor: Actor, id: string, currentId: string | null, now = new Date()): Promise<SessionView> {
  const row = await db.userSession.findUnique({ where: { id }, select: SESSION_SELECT });
  if (!row) throw notFound(`session ${id}`);
  if (row.userId !== actor.id) {
    const user = await db.user.findUnique({ where: { id: row.userId }, select: { id: true, role: true, email: true } });
    if (!user || !canManageUser(actor, user)) throw notFound(`session ${id}`);
    noteActivity({ verb: "revoke", object: `a session of ${user.email}`, extra: `(${row.method}, from ${row.address ?? "an unknown address"})` });
  } else {
    noteActivity({ verb: "revoke", object: "one of their own sessions", extra: `(${row.method}, from ${row.address ?? "an unknown address"})` });
  }
  if (row.revokedAt) return sessionView(row, currentId);
  const updated = await db.userSession.update({ where: { id }, data: { revokedAt: now, revokedById: actor.id }, select: SESSION_SELECT });
  actorChanged({ userId: row.userId });
  return sessionView(updated, currentId);
}
