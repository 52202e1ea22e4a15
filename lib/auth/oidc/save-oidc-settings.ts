// Saves the single sign-on provider from the dashboard. Refused while the environment sets one (GANTRY_OIDC_ISSUER:
// it wins, the page shows it read-only). The issuer's discovery document is read first, so a wrong issuer is a 422
// naming the field rather than a broken sign-in button. The client secret is sealed at rest (secret-box.ts); left out,
// the stored one is kept. Admins may not make a default role they could not give by hand.
import { db } from "@/lib/db";
import { authorize, canAssignRole, type Actor } from "@/lib/auth/policy";
import { conflict, forbidden, unprocessable } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { CONFIG_ROW, oidcFromEnvironment } from "./oidc-config";
import { DiscoveryError, discover, forgetDiscovery } from "./discover";
import { sealClientSecret, unsealClientSecret } from "./secret-box";
import { getSsoSettings } from "./get-sso-settings";
import type { SaveOidcSettingsInput, SsoSettingsView } from "./schemas";

export async function saveOidcSettings(actor: Actor, input: SaveOidcSettingsInput): Promise<SsoSettingsView> {
  authorize(actor, "users.manage");
  noteActivity({ verb: input.enabled ? "change" : "disable", object: `single sign-on through ${input.issuer}`, extra: `(client ${input.clientId}, default role ${input.defaultRole})` });
  let envSet = false;
  try {
    envSet = oidcFromEnvironment() !== null;
  } catch {
    envSet = true;
  }
  if (envSet) throw conflict("single sign-on is configured by the environment (GANTRY_OIDC_ISSUER and the rest): change it there");
  if (!canAssignRole(actor, input.defaultRole)) throw forbidden(`your role (${actor.role}) cannot make ${input.defaultRole} the default role`);
  const existing = await db.oidcConfig.findUnique({ where: { id: CONFIG_ROW }, omit: { clientSecretSealed: false } });
  const kept = existing ? unsealClientSecret(existing.clientSecretSealed) : null;
  const secret = input.clientSecret ?? kept;
  if (secret === null) {
    throw unprocessable("invalid request body: clientSecret: required (none is stored, or the stored one cannot be read any more)", [{ path: "clientSecret", message: "required" }]);
  }
  if (input.enabled) {
    forgetDiscovery();
    try {
      await discover(input.issuer);
    } catch (e) {
      if (e instanceof DiscoveryError) throw unprocessable(`invalid request body: issuer: ${e.message}`, [{ path: "issuer", message: e.message }]);
      throw e;
    }
  }
  const data = {
    enabled: input.enabled,
    name: input.name,
    issuer: input.issuer,
    clientId: input.clientId,
    clientSecretSealed: sealClientSecret(secret),
    scopes: input.scopes,
    groupsClaim: input.groupsClaim,
    defaultRole: input.defaultRole,
    updatedById: actor.id,
  };
  await db.oidcConfig.upsert({ where: { id: CONFIG_ROW }, create: { id: CONFIG_ROW, ...data }, update: data, select: { id: true } });
  return getSsoSettings(actor);
}
