// The sessions still standing (not revoked, not expired) of the actor, or — for those who manage that user
// (lib/auth/policy.ts canManageUser) — of another user, newest first.
import { db } from "@/lib/db";
import { canManageUser, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { SESSION_SELECT, sessionView } from "./session-view";
import type { SessionView } from "./schemas";

export async function listSessions(actor: Actor, opts: { userId?: string; currentId: string | null }, now = new Date()): Promise<SessionView[]> {
  const userId = opts.userId ?? actor.id;
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true, role: true, sessionEpoch: true } });
  // A user one may not manage is reported as absent: ids are not disclosed.
  if (!user || (userId !== actor.id && !canManageUser(actor, user))) throw notFound(`user ${userId}`);
  const rows = await db.userSession.findMany({
    where: { userId, epoch: user.sessionEpoch, revokedAt: null, expiresAt: { gt: now } },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: SESSION_SELECT,
  });
  return rows.map((r) => sessionView(r, opts.currentId));
}
