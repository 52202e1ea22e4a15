// One's own API tokens, newest first; with `all`, those of every user the actor manages too (lib/auth/policy's
// canManageUser: an owner sees everyone's, an admin the operators' and viewers' — never the owner's or another admin's).
import { db } from "@/lib/db";
import { authorize, can, canManageUser, type Actor, type Role } from "@/lib/auth/policy";
import { forbidden } from "@/lib/errors";
import { TOKEN_SELECT, tokenView } from "./token-view";
import type { ApiTokenView } from "./schemas";

export async function listApiTokens(actor: Actor, opts: { all?: boolean } = {}): Promise<ApiTokenView[]> {
  authorize(actor, "tokens.manage");
  if (opts.all && !can(actor, "users.manage")) throw forbidden(`your role (${actor.role}) may list only its own tokens`);
  let userIds = [actor.id];
  if (opts.all) {
    const holders = await db.apiToken.findMany({ distinct: ["userId"], select: { userId: true } });
    const users = await db.user.findMany({ where: { id: { in: holders.map((h) => h.userId) } }, select: { id: true, role: true } });
    userIds = [actor.id, ...users.filter((u) => canManageUser(actor, { id: u.id, role: u.role as Role })).map((u) => u.id)];
  }
  const rows = await db.apiToken.findMany({ where: { userId: { in: userIds } }, select: TOKEN_SELECT, orderBy: { createdAt: "desc" } });
  return rows.map(tokenView);
}
