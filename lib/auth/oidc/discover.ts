// OpenID Connect Discovery 1.0: the issuer's /.well-known/openid-configuration, read and checked before a sign-in uses
// it. The document must name exactly the configured issuer (Discovery §4.3 — otherwise ID tokens would be checked
// against someone else's), offer the authorization code flow and S256 PKCE when it lists methods at all. A good answer
// is kept 5 minutes per issuer; a failure is not kept, so a fixed provider works at the next try.
import { z } from "zod";

export class DiscoveryError extends Error {}

const documentSchema = z.object({
  issuer: z.string().min(1),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  userinfo_endpoint: z.string().url().optional(),
  response_types_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  id_token_signing_alg_values_supported: z.array(z.string()).optional(),
});

export type DiscoveryDocument = z.infer<typeof documentSchema>;

const CACHE_MS = 5 * 60_000;
const TIMEOUT_MS = 5_000;
const KEY = Symbol.for("gantry.oidc.discovery-cache");
const cache = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Map()) as Map<string, { at: number; doc: DiscoveryDocument }>;

export function wellKnownUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/** The issuer's checked discovery document; throws DiscoveryError with a sentence for people. */
export async function discover(issuer: string, now = Date.now()): Promise<DiscoveryDocument> {
  const hit = cache.get(issuer);
  if (hit && now - hit.at < CACHE_MS) return hit.doc;
  const url = wellKnownUrl(issuer);
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/json" }, redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DiscoveryError(`the identity provider's discovery document (${url}) could not be read: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  if (!res.ok) throw new DiscoveryError(`the identity provider's discovery document (${url}) answered HTTP ${res.status}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new DiscoveryError(`the identity provider's discovery document (${url}) is not JSON`);
  }
  const parsed = documentSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new DiscoveryError(`the identity provider's discovery document (${url}) is not an OpenID configuration: ${first?.path.join(".") || "(root)"}: ${first?.message}`);
  }
  const doc = parsed.data;
  if (doc.issuer !== issuer) {
    throw new DiscoveryError(`the identity provider at ${issuer} names its issuer "${doc.issuer}": the issuer must be written exactly as the provider names it`);
  }
  if (doc.response_types_supported && !doc.response_types_supported.includes("code")) {
    throw new DiscoveryError(`the identity provider at ${issuer} does not offer the authorization code flow (response_types_supported: ${doc.response_types_supported.join(", ")})`);
  }
  if (doc.code_challenge_methods_supported && !doc.code_challenge_methods_supported.includes("S256")) {
    throw new DiscoveryError(`the identity provider at ${issuer} does not offer PKCE with S256 (code_challenge_methods_supported: ${doc.code_challenge_methods_supported.join(", ")})`);
  }
  cache.set(issuer, { at: now, doc });
  return doc;
}

/** Forgets what was read (after the settings change). */
export function forgetDiscovery(): void {
  cache.clear();
}
