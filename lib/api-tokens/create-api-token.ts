// Creates an API token for the actor, or (admins) for a user they manage. Its role is never above the creator's nor the
// user's. Returns the token itself once; only its hash is stored.
// Only a signed-in person mints tokens: a request authenticated by an API token is refused. A token that could mint
// tokens would let whoever holds a leaked one make fresh credentials that outlive it (a longer expiry, surviving its
// revocation) — the reason GitHub offers no token-creation API to tokens and Kubernetes grants token requests to no
// service account by default. Scripts that need a token get one from a person, once.
import { db } from "@/lib/db";
import { forbidden, notFound, unprocessable } from "@/lib/errors";
import { authorize, canManageUser, holdsRight, ROLE_RIGHTS, type Actor, type Right, type Role } from "@/lib/auth/policy";
import { loadGrants } from "@/lib/role-bindings/load-grants";
import { newApiTokenSecret } from "./secret";
import { createApiTokenSchema, type CreateApiTokenInput, type ApiTokenView } from "./schemas";
import { TOKEN_SELECT, tokenView } from "./token-view";
import { lowerRole, rank } from "./role-rank";

export async function createApiToken(actor: Actor, input: CreateApiTokenInput): Promise<{ token: string; apiToken: ApiTokenView }> {
  authorize(actor, "tokens.manage");
  if (actor.tokenId) throw forbidden("an API token cannot create API tokens: sign in to the dashboard (or POST /api/v1/tokens with a session) to make one");
  const { name, role, expiresInDays, userId, rights = [], hostGroupIds = [], namespaces = [] } = createApiTokenSchema.parse(input);
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
  await assertNarrowing(actor, owner, { rights: rights as Right[], hostGroupIds, namespaces });
  const secret = newApiTokenSecret();
  const row = await db.apiToken.create({
    data: {
      name,
      tokenHash: secret.hash,
      prefix: secret.prefix,
      userId: owner.id,
      role: role ?? ceiling,
      createdById: actor.id,
      rights: [...new Set(rights)],
      hostGroupIds: [...new Set(hostGroupIds)],
      namespaces: [...new Set(namespaces)],
      expiresAt: new Date(Date.now() + expiresInDays * 24 * 3600_000),
    },
    select: TOKEN_SELECT,
  });
  return { token: secret.token, apiToken: tokenView(row) };
}

/**
 * A narrowed token is never wider than its creator nor its user: each named right is held by both on every named scope
 * (host group or namespace), or somewhere when no scope is named. Checked again at every use (actor-from-api-token.ts).
 */
async function assertNarrowing(
  actor: Actor,
  owner: { id: string; role: Role; disabled: boolean },
  n: { rights: Right[]; hostGroupIds: string[]; namespaces: string[] },
): Promise<void> {
  if (!n.rights.length && !n.hostGroupIds.length && !n.namespaces.length) return;
  if (n.hostGroupIds.length) {
    const found = await db.hostGroup.findMany({ where: { id: { in: n.hostGroupIds } }, select: { id: true } });
    const missing = n.hostGroupIds.find((id) => !found.some((g) => g.id === id));
    if (missing) throw unprocessable(`hostGroupIds: no host group ${missing}`);
  }
  const holder = owner.id === actor.id ? [actor] : [actor, { ...owner, email: "", name: "", grants: await loadGrants(owner.id) }];
  const targets = [...n.hostGroupIds.map((hostGroupId) => ({ hostGroupId })), ...n.namespaces.map((namespace) => ({ namespace }))];
  for (const who of holder) {
    const held = (right: Right) =>
      targets.length ? targets.every((t) => holdsRight(who, right, t)) : [{ fleet: true as const }, ...(who.grants ?? []).map((g) => g.scope)].some((t) => holdsRight(who, right, scopeTarget(t)));
    const rights = n.rights.length ? n.rights : ROLE_RIGHTS.owner.filter(held);
    if (!rights.length) throw forbidden("a token narrowed to these scopes would hold no right: you hold none there");
    const lacking = rights.find((r) => !held(r));
    if (lacking) throw forbidden(`a token cannot hold ${lacking}${targets.length ? " on the scopes named" : ""}: ${who === actor ? "you do" : "its user does"} not hold it${targets.length ? " there" : ""}`);
  }
}

function scopeTarget(s: NonNullable<Actor["grants"]>[number]["scope"] | { fleet: true }) {
  if ("fleet" in s) return { fleet: true as const };
  if ("hostGroupId" in s) return { hostGroupId: s.hostGroupId };
  return { namespace: s.namespace };
}
