// Revokes a token: its own user may, and so may whoever manages that user. Revoked tokens stop working at once.
import { db } from "@/lib/db";
import { authorize, canManageUser, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { TOKEN_SELECT, tokenView } from "./token-view";
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
  return tokenView(row);
}
