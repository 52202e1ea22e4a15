// The single sign-on settings as the settings page shows them: never the client secret, only whether it opens.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { CONFIG_ROW, oidcFromEnvironment, OIDC_PROVIDER_ID } from "./oidc-config";
import { unsealClientSecret } from "./secret-box";
import type { SsoSettingsView } from "./schemas";

export function redirectUri(): string {
  return `${(process.env.NEXTAUTH_URL ?? "").replace(/\/+$/, "")}/api/auth/callback/${OIDC_PROVIDER_ID}`;
}

export async function getSsoSettings(actor: Actor): Promise<SsoSettingsView> {
  authorize(actor, "users.read");
  let environmentError: string | null = null;
  let fromEnv = null;
  try {
    fromEnv = oidcFromEnvironment();
  } catch (e) {
    environmentError = (e as Error).message;
  }
  const [row, mappings, teams] = await Promise.all([
    db.oidcConfig.findUnique({ where: { id: CONFIG_ROW }, omit: { clientSecretSealed: false } }),
    db.oidcGroupMapping.findMany({ orderBy: [{ group: "asc" }], select: { group: true, teamId: true } }),
    db.team.findMany({ orderBy: { name: "asc" }, take: 1000, select: { id: true, name: true } }),
  ]);
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const settings = fromEnv
    ? { enabled: true, name: fromEnv.name, issuer: fromEnv.issuer, clientId: fromEnv.clientId, scopes: fromEnv.scopes, groupsClaim: fromEnv.groupsClaim, defaultRole: fromEnv.defaultRole, clientSecretReadable: true }
    : row
      ? {
          enabled: row.enabled,
          name: row.name,
          issuer: row.issuer,
          clientId: row.clientId,
          scopes: row.scopes,
          groupsClaim: row.groupsClaim,
          defaultRole: row.defaultRole,
          clientSecretReadable: unsealClientSecret(row.clientSecretSealed) !== null,
        }
      : null;
  return {
    source: fromEnv ? "environment" : row ? "dashboard" : "none",
    settings,
    redirectUri: redirectUri(),
    environmentError,
    mappings: mappings.map((m) => ({ ...m, teamName: teamName.get(m.teamId) ?? m.teamId })),
    teams,
  };
}
