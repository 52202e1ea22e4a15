// The actor an `Authorization: Bearer gat_…` header stands for: the token's user, loaded now, with the lower of the
// token's role and the user's current role. Unknown, expired or revoked tokens, and tokens of disabled users, are null.
import { db } from "@/lib/db";
import type { Actor, Role } from "@/lib/auth/policy";
import { hashApiToken, looksLikeApiToken } from "./secret";
import { lowerRole } from "./role-rank";

const TOUCH_EVERY_MS = 60_000;

export async function actorFromApiToken(token: string): Promise<Actor | null> {
  if (!looksLikeApiToken(token)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: { id: true, userId: true, role: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  const now = new Date();
  if (!row || row.revokedAt || row.expiresAt <= now) return null;
  const user = await db.user.findUnique({ where: { id: row.userId }, select: { id: true, email: true, name: true, role: true, disabled: true } });
  if (!user || user.disabled) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { ...user, role: lowerRole(row.role as Role, user.role as Role), tokenId: row.id };
}
