// Whether a JWT's session (`sid`) still stands: its row exists for that user and was not revoked. Each request asks
// (lib/auth/actor.ts), so revoking a row ends that session alone at its next request — on open sockets too, which
// re-read their actor when told (lib/users/actor-changes.ts). "Last seen" is written at most once a minute.
import { db } from "@/lib/db";
import { SESSION_MAX_AGE_S } from "./max-age";

export const TOUCH_EVERY_MS = 60_000;

export async function sessionIsLive(sid: string, userId: string, now = new Date()): Promise<boolean> {
  const row = await db.userSession.findUnique({ where: { id: sid }, select: { userId: true, revokedAt: true, lastSeenAt: true } });
  if (!row || row.userId !== userId || row.revokedAt) return false;
  if (now.getTime() - row.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    await db.userSession.updateMany({
      where: { id: sid, revokedAt: null },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_S * 1000) },
    });
  }
  return true;
}
