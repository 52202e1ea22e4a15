// Which OpenID Connect provider signs people in, if any: the environment's (GANTRY_OIDC_ISSUER, GANTRY_OIDC_CLIENT_ID,
// GANTRY_OIDC_CLIENT_SECRET, and optionally GANTRY_OIDC_NAME, GANTRY_OIDC_SCOPES, GANTRY_OIDC_GROUPS_CLAIM,
// GANTRY_OIDC_DEFAULT_ROLE) when the issuer is set there, else the one saved from the dashboard (OidcConfig, its
// client secret sealed at rest). Read on each sign-in request, so a change from the dashboard needs no restart.
import { z } from "zod";
import { db } from "@/lib/db";
import { Role } from "@/lib/generated/prisma/enums";
import { unsealClientSecret } from "./secret-box";

export const OIDC_PROVIDER_ID = "oidc";
export const CONFIG_ROW = "default";

export const roleValues = Object.values(Role) as [Role, ...Role[]];

export interface OidcSettings {
  source: "environment" | "dashboard";
  name: string;
  issuer: string;
  clientId: string;
  /** null: sealed under another NEXTAUTH_SECRET (re-enter it on the settings page). */
  clientSecret: string | null;
  scopes: string;
  groupsClaim: string;
  defaultRole: Role;
}

/** The role a user first signed in through OIDC gets when none is configured: none fleet-wide, only what teams give. */
export function fallbackRole(): Role {
  return (roleValues as string[]).includes("none") ? ("none" as Role) : Role.viewer;
}

const envSchema = z.object({
  GANTRY_OIDC_ISSUER: z.string().url(),
  GANTRY_OIDC_CLIENT_ID: z.string().min(1),
  GANTRY_OIDC_CLIENT_SECRET: z.string().min(1),
  GANTRY_OIDC_NAME: z.string().min(1).max(60).optional(),
  GANTRY_OIDC_SCOPES: z.string().regex(/(^|\s)openid(\s|$)/, "must include openid").optional(),
  GANTRY_OIDC_GROUPS_CLAIM: z.string().min(1).max(100).optional(),
  GANTRY_OIDC_DEFAULT_ROLE: z.enum(roleValues).optional(),
});

/** The environment's provider; throws naming the variable when GANTRY_OIDC_ISSUER is set but the rest is wrong. */
export function oidcFromEnvironment(env: NodeJS.ProcessEnv = process.env): OidcSettings | null {
  if (!env.GANTRY_OIDC_ISSUER) return null;
  const blank = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());
  const r = envSchema.safeParse(Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, blank(env[k])])));
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new Error(`${String(first.path[0])}: ${first.message}`);
  }
  const e = r.data;
  return {
    source: "environment",
    name: e.GANTRY_OIDC_NAME ?? "single sign-on",
    issuer: e.GANTRY_OIDC_ISSUER,
    clientId: e.GANTRY_OIDC_CLIENT_ID,
    clientSecret: e.GANTRY_OIDC_CLIENT_SECRET,
    scopes: e.GANTRY_OIDC_SCOPES ?? "openid email profile",
    groupsClaim: e.GANTRY_OIDC_GROUPS_CLAIM ?? "groups",
    defaultRole: e.GANTRY_OIDC_DEFAULT_ROLE ?? fallbackRole(),
  };
}

/** The provider in use, or null when single sign-on is not configured (or switched off on the dashboard). */
export async function loadOidcSettings(): Promise<OidcSettings | null> {
  const fromEnv = oidcFromEnvironment();
  if (fromEnv) return fromEnv;
  const row = await db.oidcConfig.findUnique({ where: { id: CONFIG_ROW }, omit: { clientSecretSealed: false } });
  if (!row || !row.enabled) return null;
  return {
    source: "dashboard",
    name: row.name,
    issuer: row.issuer,
    clientId: row.clientId,
    clientSecret: unsealClientSecret(row.clientSecretSealed),
    scopes: row.scopes,
    groupsClaim: row.groupsClaim,
    defaultRole: row.defaultRole,
  };
}
