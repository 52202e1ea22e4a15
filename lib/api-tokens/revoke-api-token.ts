// Revokes a token: its own user may, and so may whoever manages that user. Revoked tokens stop working at once, on
// open sockets too (the actor-changed signal makes the control plane re-check the streams opened with it).
import { db } from "@/lib/db";
import { authorize, canManageUser, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { TOKEN_SELECT, tokenView } from "./token-view";
import { actorChanged } from "@/lib/users/actor-changes";
import type { ApiTokenView } from "./schemas";

export async function revokeApiToken(actor: Actor, id: string): Promise<ApiTokenView> {
  authorize(actor, "tokens.manage");
  const token = await db.apiToken.findUnique({ where: { id }, select: TOKEN_SELECT });
  // Someone else's token the actor may not manage is reported as absent, not as forbidden: ids are not disclosed.
  if (!token) throw notFound(`API token ${id}`);
  if (token.userId !== actor.id) {
    const user = await db.user.findUnique({ where: { id: token.userId }, select: { id: true, role: true } });
    if (!user || !canManageUser(actor, user)) throw notFound(`API token ${id}`);
  }
  if (token.revokedAt) return tokenView(token);
  const row = await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, select: TOKEN_SELECT });
  actorChanged({ userId: row.userId, tokenId: row.id });
  return tokenView(row);
}
