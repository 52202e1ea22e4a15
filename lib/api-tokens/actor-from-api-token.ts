// The actor an `Authorization: Bearer gat_…` header stands for: the token's user, loaded now — its current role, capped
// by the token's, and its current role bindings — narrowed by what the token was narrowed to at creation (rights, host
// groups, namespaces; lib/auth/policy.ts's `limit`). So a token is never wider than its user is at the moment of use.
// Unknown, expired or revoked tokens, and tokens of disabled users, are null.
import { db } from "@/lib/db";
import { ROLE_RIGHTS, isRight, type Actor, type Limit, type Right, type Role } from "@/lib/auth/policy";
import { hostIdsOfGroups, loadGrants } from "@/lib/role-bindings/load-grants";
import { hashApiToken, looksLikeApiToken } from "./secret";
import { lowerRole } from "./role-rank";

const TOUCH_EVERY_MS = 60_000;

export async function actorFromApiToken(token: string): Promise<Actor | null> {
  if (!looksLikeApiToken(token)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: { id: true, userId: true, role: true, rights: true, hostGroupIds: true, namespaces: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  const now = new Date();
  if (!row || row.revokedAt || row.expiresAt <= now) return null;
  const user = await db.user.findUnique({ where: { id: row.userId }, select: { id: true, email: true, name: true, role: true, disabled: true } });
  if (!user || user.disabled) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return {
    ...user,
    role: lowerRole(row.role as Role, user.role as Role),
    tokenId: row.id,
    grants: await loadGrants(user.id),
    limit: await tokenLimit(row),
  };
}

/** The token's role (unless `none`: no fleet-wide role, bindings only) caps every right; named rights narrow further. */
async function tokenLimit(row: { role: string; rights: string[]; hostGroupIds: string[]; namespaces: string[] }): Promise<Limit | undefined> {
  const byRole: readonly Right[] | null = row.role === "none" ? null : ROLE_RIGHTS[row.role as Role];
  const named = row.rights.length ? row.rights.filter(isRight) : null;
  const rights = byRole && named ? named.filter((r) => byRole.includes(r)) : (named ?? byRole);
  const narrowed = row.hostGroupIds.length > 0 || row.namespaces.length > 0;
  const limit: Limit = {
    rights: rights && rights.length === ROLE_RIGHTS.owner.length ? null : rights,
    hostIds: narrowed ? await hostIdsOfGroups(row.hostGroupIds) : null,
    namespaces: narrowed ? row.namespaces : null,
  };
  return limit.rights || limit.hostIds || limit.namespaces ? limit : undefined;
}
