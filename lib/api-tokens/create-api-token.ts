// Creates an API token for the actor, or (admins) for a user they manage. Its role is never above the creator's nor the
// user's. Returns the token itself once; only its hash is stored.
// Only a signed-in person mints tokens: a request authenticated by an API token is refused. A token that could mint
// tokens would let whoever holds a leaked one make fresh credentials that outlive it (a longer expiry, surviving its
// revocation) — the reason GitHub offers no token-creation API to tokens and Kubernetes grants token requests to no
// service account by default. Scripts that need a token get one from a person, once.
import { db } from "@/lib/db";
import { forbidden, notFound, unprocessable } from "@/lib/errors";
import { authorize, canManageUser, type Actor, type Role } from "@/lib/auth/policy";
import { newApiTokenSecret } from "./secret";
import { createApiTokenSchema, type CreateApiTokenInput, type ApiTokenView } from "./schemas";
import { TOKEN_SELECT, tokenView } from "./token-view";
import { lowerRole, rank } from "./role-rank";

export async function createApiToken(actor: Actor, input: CreateApiTokenInput): Promise<{ token: string; apiToken: ApiTokenView }> {
  authorize(actor, "tokens.manage");
  if (actor.tokenId) throw forbidden("an API token cannot create API tokens: sign in to the dashboard (or POST /api/v1/tokens with a session) to make one");
  const { name, role, expiresInDays, userId } = createApiTokenSchema.parse(input);
  let owner: { id: string; role: Role; disabled: boolean } = actor;
  if (userId && userId !== actor.id) {
    const target = await db.user.findUnique({ where: { id: userId }, select: { id: true, role: true, disabled: true } });
    if (!target) throw notFound(`user ${userId}`);
    if (!canManageUser(actor, target)) throw forbidden(`your role (${actor.role}) may not create tokens for this user`);
    owner = target;
  }
  if (owner.disabled) throw unprocessable("a disabled user cannot hold API tokens");
  const ceiling = lowerRole(actor.role, owner.role);
  if (role && rank(role) > rank(ceiling)) throw forbidden(`a token's role cannot be above ${ceiling}`);
  const secret = newApiTokenSecret();
  const row = await db.apiToken.create({
    data: {
      name,
      tokenHash: secret.hash,
      prefix: secret.prefix,
      userId: owner.id,
      role: role ?? ceiling,
      createdById: actor.id,
      expiresAt: new Date(Date.now() + expiresInDays * 24 * 3600_000),
    },
    select: TOKEN_SELECT,
  });
  return { token: secret.token, apiToken: tokenView(row) };
}
