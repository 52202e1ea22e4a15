// Registry authentication per the distribution spec's token flow: a request answered 401 carries a
// WWW-Authenticate challenge; "Basic" means send the credentials, "Bearer realm=…,service=…,scope=…" means get a
// token for the scopes from the realm (with the credentials as Basic, or anonymously) and retry with it.
// Tokens are cached per (registry, service, scopes) until shortly before they expire, and fetched again on a 401.
import { RegistryError } from "../../lib/oci/errors";
import type { Clock } from "../clock";
import type { RegistryAuth } from "../../lib/oci/types";

export interface Challenge {
  scheme: "basic" | "bearer";
  params: Record<string, string>;
}

/** Parses one WWW-Authenticate header value (first Bearer or Basic challenge wins, Bearer preferred). */
export function parseChallenge(header: string | null): Challenge | null {
  if (!header) return null;
  const found: Challenge[] = [];
  const re = /(Bearer|Basic)\s*((?:[a-zA-Z_]+="[^"]*"\s*,?\s*|[a-zA-Z_]+=[^,\s"]+\s*,?\s*)*)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header))) {
    const params: Record<string, string> = {};
    const pr = /([a-zA-Z_]+)=(?:"([^"]*)"|([^,\s"]+))/g;
    let p: RegExpExecArray | null;
    while ((p = pr.exec(m[2]))) params[p[1].toLowerCase()] = p[2] ?? p[3];
    found.push({ scheme: m[1].toLowerCase() as "basic" | "bearer", params });
  }
  return found.find((c) => c.scheme === "bearer") ?? found[0] ?? null;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class TokenCache {
  private tokens = new Map<string, CachedToken>();
  constructor(private readonly clock: Clock) {}

  get(key: string): string | null {
    const t = this.tokens.get(key);
    if (!t) return null;
    if (this.clock.now() >= t.expiresAt) {
      this.tokens.delete(key);
      return null;
    }
    return t.token;
  }

  set(key: string, token: string, expiresInSeconds: number) {
    // Refresh 10% (at least 5 s) before the server's expiry so a token never expires mid-request.
    const lifetime = Math.max(1, expiresInSeconds) * 1000;
    this.tokens.set(key, { token, expiresAt: this.clock.now() + lifetime - Math.max(5000, lifetime * 0.1) });
  }

  drop(key: string) {
    this.tokens.delete(key);
  }
}

export function basicHeader(auth: RegistryAuth): string {
  return `Basic ${Buffer.from(`${auth.username ?? ""}:${auth.password ?? ""}`).toString("base64")}`;
}

/** Asks a token server for a bearer token covering `scopes`. */
export async function fetchToken(
  challenge: Challenge,
  scopes: string[],
  auth: RegistryAuth | undefined,
  registry: string,
  fetchImpl: typeof fetch,
  plainHttpAllowed: (host: string) => boolean = () => false,
): Promise<{ token: string; expiresIn: number }> {
  const realm = challenge.params.realm;
  if (!realm) throw new RegistryError("registry", 401, `${registry} asked for a bearer token without naming a token server (no realm)`);
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryError("registry", 401, `${registry} named an invalid token server "${realm}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new RegistryError("registry", 401, `token server "${realm}" is not http(s)`);
  // Credentials go to the token server: over plain http only where the registry itself may be plain http.
  if (url.protocol === "http:" && !plainHttpAllowed(url.host)) {
    throw new RegistryError("registry", 401, `${registry} named a plain-http token server (${url.origin}); only loopback or insecure-configured hosts may use http`);
  }
  const service = challenge.params.service;
  let res: Response;
  try {
    if (auth?.identitytoken) {
      // OAuth2 refresh-token grant, as docker login's identity tokens use.
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: auth.identitytoken, client_id: "gantry", scope: scopes.join(" ") });
      if (service) form.set("service", service);
      res = await fetchImpl(url, { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } });
    } else {
      if (service) url.searchParams.set("service", service);
      for (const s of scopes) url.searchParams.append("scope", s);
      const headers: Record<string, string> = {};
      if (auth?.username) headers.authorization = basicHeader(auth);
      res = await fetchImpl(url, { headers });
    }
  } catch (e) {
    throw new RegistryError("registry", 0, `cannot reach the token server ${url.origin} for ${registry}: ${(e as Error).message}`, { cause: e });
  }
  const text = await res.text();
  if (res.status === 401) {
    throw new RegistryError(
      "unauthorized",
      401,
      auth?.username
        ? `authentication to ${registry} failed: the token server rejected username "${auth.username}" (wrong username or password)`
        : `authentication to ${registry} required: log in first`,
    );
  }
  if (res.status === 403) throw new RegistryError("denied", 403, `the token server for ${registry} denied access to ${scopes.join(" ")}`);
  if (!res.ok) throw new RegistryError("registry", res.status, `the token server for ${registry} answered ${res.status}: ${text.slice(0, 200)}`);
  let body: { token?: string; access_token?: string; expires_in?: number };
  try {
    body = JSON.parse(text);
  } catch {
    throw new RegistryError("registry", res.status, `the token server for ${registry} answered with something that is not JSON`);
  }
  const token = body.token ?? body.access_token;
  if (!token) throw new RegistryError("registry", res.status, `the token server for ${registry} answered without a token`);
  return { token, expiresIn: typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60 };
}
