// Creates an API token for the actor, or (admins) for a user they manage. Its role is never above the creator's nor the
// user's. Returns the token itself once; only its hash is stored.
import { db } from "@/lib/db";
import { forbidden, notFound, unprocessable } from "@/lib/errors";
import { authorize, canManageUser, type Actor, type Role } from "@/lib/auth/policy";
import { newApiTokenSecret } from "./secret";
import { createApiTokenSchema, type CreateApiTokenInput, type ApiTokenView } from "./schemas";
import { TOKEN_SELECT, tokenView } from "./token-view";
import { lowerRole, rank } from "./role-rank";

export async function createApiToken(actor: Actor, input: CreateApiTokenInput): Promise<{ token: string; apiToken: ApiTokenView }> {
  authorize(actor, "tokens.manage");
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
