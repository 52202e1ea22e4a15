// Before next-auth runs a single sign-on step (POST /api/auth/signin/oidc starts one, GET /api/auth/callback/oidc ends
// it), what it needs is checked here so a failure is told in a sentence (lib/auth/oidc/sign-in-errors.ts), not as
// next-auth's bare "OAuthCallback": the provider is configured and its secret readable, its discovery document names
// exactly its issuer, and — on the callback — the answer carries the state this browser's sign-in was started with
// (next-auth's signed state cookie). openid-client then checks the same state again, PKCE, the nonce and the ID token.
import { decode } from "next-auth/jwt";
import { DiscoveryError, discover } from "./discover";
import { loadOidcSettings } from "./oidc-config";
import type { OidcErrorCode } from "./sign-in-errors";
import type { OidcProvider } from "@/lib/auth/auth-options";

export type OidcPreparation = { ok: true; provider: OidcProvider | null } | { ok: false; code: OidcErrorCode; reason?: string };

/** The provider for this request, or why this single sign-on step must stop. `step`: next-auth's action. */
export async function prepareOidcRequest(step: { action: string; providerId: string | undefined; query: URLSearchParams; cookies: Record<string, string> }): Promise<OidcPreparation> {
  let settings;
  try {
    settings = await loadOidcSettings();
  } catch (e) {
    // A wrong GANTRY_OIDC_* variable: single sign-on is off until it is fixed; local sign-in goes on.
    if (step.providerId === "oidc") return { ok: false, code: "OIDCDiscovery", reason: (e as Error).message };
    return { ok: true, provider: null };
  }
  const oidcStep = step.providerId === "oidc" && (step.action === "signin" || step.action === "callback");
  if (!settings || !oidcStep) return { ok: true, provider: null };
  if (settings.clientSecret === null) return { ok: false, code: "OIDCSecret" };
  let discovery;
  try {
    discovery = await discover(settings.issuer);
  } catch (e) {
    if (e instanceof DiscoveryError) return { ok: false, code: "OIDCDiscovery", reason: e.message };
    throw e;
  }
  if (step.action === "callback" && !step.query.has("error") && !(await stateMatches(step.query.get("state"), step.cookies))) return { ok: false, code: "OIDCState" };
  return { ok: true, provider: { settings: { ...settings, clientSecret: settings.clientSecret }, discovery } };
}

async function stateMatches(state: string | null, cookies: Record<string, string>): Promise<boolean> {
  if (!state) return false;
  const secure = (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
  const name = `${secure ? "__Secure-" : ""}next-auth.state`;
  const cookie = cookies[name];
  if (!cookie) return false;
  try {
    const payload = await decode({ token: cookie, secret: process.env.NEXTAUTH_SECRET!, salt: name });
    return payload?.value === state && payload?.provider === "oidc";
  } catch {
    return false;
  }
}
