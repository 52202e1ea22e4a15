// What /api/v1/sso and /api/v1/sso/group-mappings take and answer.
import { z } from "zod";
import { roleValues } from "./oidc-config";

const httpUrl = z
  .string()
  .url()
  .max(500)
  .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL");

export const saveOidcSettingsBody = z
  .object({
    enabled: z.boolean().default(true),
    name: z.string().trim().min(1).max(60).describe('shown on the sign-in page: "Sign in with <name>"'),
    issuer: httpUrl.describe("the issuer exactly as the provider names it in its discovery document"),
    clientId: z.string().trim().min(1).max(500),
    clientSecret: z.string().min(1).max(2000).optional().describe("omit to keep the stored one"),
    scopes: z
      .string()
      .trim()
      .max(500)
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, "space-separated scope names")
      .refine((s) => s.split(" ").includes("openid"), "must include openid")
      .default("openid email profile"),
    groupsClaim: z.string().trim().min(1).max(100).default("groups"),
    defaultRole: z.enum(roleValues).describe("the fleet-wide role of a user made by their first sign-in (none: only what their teams give)"),
  })
  .strict();
export type SaveOidcSettingsInput = z.infer<typeof saveOidcSettingsBody>;

export const groupMappingsBody = z
  .object({
    mappings: z.array(z.object({ group: z.string().trim().min(1).max(256), teamId: z.string().min(1).max(64) }).strict()).max(500),
  })
  .strict();
export type GroupMappingsInput = z.infer<typeof groupMappingsBody>;

export const groupMappingView = z.object({ group: z.string(), teamId: z.string(), teamName: z.string() });

export const ssoSettingsView = z.object({
  /** Where the provider in use comes from: the environment wins over the dashboard. */
  source: z.enum(["environment", "dashboard", "none"]),
  settings: z
    .object({
      enabled: z.boolean(),
      name: z.string(),
      issuer: z.string(),
      clientId: z.string(),
      scopes: z.string(),
      groupsClaim: z.string(),
      defaultRole: z.enum(roleValues),
      /** The stored client secret opens (false: sealed under another NEXTAUTH_SECRET — enter it again). */
      clientSecretReadable: z.boolean(),
    })
    .nullable(),
  /** The redirect URI to register at the provider. */
  redirectUri: z.string(),
  /** A wrong GANTRY_OIDC_* variable, when there is one. */
  environmentError: z.string().nullable(),
  mappings: z.array(groupMappingView),
  /** Every team, to map groups to. */
  teams: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type SsoSettingsView = z.infer<typeof ssoSettingsView>;
