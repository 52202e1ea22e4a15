// A person signed in at the identity provider: the local account they are. The first sign-in makes it (the configured
// default role — "none" unless set: only what their teams give), linked to the provider's (issuer, sub) so a changed
// email at the provider still reaches the same account. An email a local account already holds is refused (the
// provider could otherwise claim the owner's account by asserting its email). A disabled account is refused. Every
// sign-in syncs team membership from the groups claim (lib/auth/oidc/sync-group-teams.ts).
import { db } from "@/lib/db";
import { normalizeEmail } from "@/lib/auth/lockout";
import type { Actor } from "@/lib/auth/policy";
import type { OidcSettings } from "./oidc-config";
import { OidcRefusal } from "./sign-in-errors";
import type { OidcClaims } from "./claims";
import { syncGroupTeams } from "./sync-group-teams";

/** Stored for accounts made by single sign-on: no argon2 hash verifies against it, so no password signs them in. */
export const NO_PASSWORD = "!oidc";

const USER_SELECT = { id: true, email: true, name: true, role: true, disabled: true, sessionEpoch: true } as const;

export type OidcSignedIn = Actor & { sessionEpoch: number; created: boolean };

export async function signInOidcUser(settings: OidcSettings, claims: OidcClaims, now = new Date()): Promise<OidcSignedIn> {
  if (!claims.subject) throw new OidcRefusal("OAuthCallback");
  const key = { issuer_subject: { issuer: settings.issuer, subject: claims.subject } };
  const identity = await db.oidcIdentity.findUnique({ where: key, select: { userId: true } });
  let user: Actor & { sessionEpoch: number };
  let created = false;
  if (identity) {
    const found = await db.user.findUnique({ where: { id: identity.userId }, select: USER_SELECT });
    if (!found) throw new OidcRefusal("Callback");
    user = found;
  } else {
    if (!claims.email) throw new OidcRefusal("OIDCNoEmail");
    const email = normalizeEmail(claims.email);
    if (await db.user.findUnique({ where: { email }, select: { id: true } })) throw new OidcRefusal("OIDCEmailTaken");
    try {
      user = await db.$transaction(async (tx) => {
        const u = await tx.user.create({
          data: { email, name: (claims.name ?? email).slice(0, 200), role: settings.defaultRole, passwordHash: NO_PASSWORD },
          select: USER_SELECT,
        });
        await tx.oidcIdentity.create({ data: { issuer: settings.issuer, subject: claims.subject, userId: u.id, createdAt: now, lastSignInAt: now } });
        return u;
      });
      created = true;
    } catch (e) {
      // Lost a race with a second first sign-in (or a local account made meanwhile): the unique email or identity.
      if ((e as { code?: string }).code === "P2002") throw new OidcRefusal("OIDCEmailTaken");
      throw e;
    }
  }
  if (user.disabled) throw new OidcRefusal("OIDCDisabled");
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: now }, select: { id: true } });
  if (!created) await db.oidcIdentity.update({ where: key, data: { lastSignInAt: now }, select: { userId: true } });
  await syncGroupTeams(user.id, claims.groups);
  return { ...user, created };
}
