// Signing in for tests, through the real API: first-run setup, next-auth's credentials flow (csrf cookie + token, then
// the callback), users created by a signed-in owner or admin, and a small fetch wrapper that carries the session cookie.
// Every helper makes unique emails, so tests can share one control plane without stepping on each other.
import { randomBytes } from "node:crypto";
import type { ControlPlane } from "./control-plane";

export type { Role } from "@/lib/auth/policy";
import type { Role } from "@/lib/auth/policy";

export interface TestUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  password: string;
}

let counter = 0;

/** An email no other test (in this or another file) will use. */
export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${process.pid}-${++counter}-${randomBytes(3).toString("hex")}@example.test`;
}

/** A password that passes the length rule. */
export function strongPassword(): string {
  return `pw-${randomBytes(12).toString("base64url")}`;
}

/** The cookies a response sets, as `name=value` pairs (attributes dropped). */
export function setCookies(res: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";")[0]!;
    const i = pair.indexOf("=");
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return jar;
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].filter(([, v]) => v !== "").map(([k, v]) => `${k}=${v}`).join("; ");
}

/** Creates the owner through first-run setup (POST /api/v1/setup). Throws unless it answers 201. */
export async function setupOwner(cp: ControlPlane, input: Partial<{ email: string; password: string; name: string }> = {}): Promise<TestUser> {
  const body = { email: input.email ?? uniqueEmail("owner"), password: input.password ?? strongPassword(), name: input.name ?? "Owner" };
  const res = await fetch(`${cp.url}/api/v1/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${JSON.stringify(json)}`);
  return { id: json.user.id, email: body.email, name: body.name, role: "owner", password: body.password };
}

export interface SignInResult {
  ok: boolean;
  status: number;
  /** next-auth's error message (ours, from lib/users/verify-credentials.ts) when refused. */
  error: string | null;
  /** The `Cookie` header to send as this user when ok. */
  cookie: string;
  /** The raw Set-Cookie lines of the callback response (to inspect flags). */
  setCookieLines: string[];
}

/** next-auth's real credentials flow: GET /api/auth/csrf, then POST /api/auth/callback/credentials with the csrf cookie. */
export async function trySignIn(cp: ControlPlane, email: string, password: string, headers: Record<string, string> = {}): Promise<SignInResult> {
  const csrfRes = await fetch(`${cp.url}/api/auth/csrf`, { headers });
  if (csrfRes.status !== 200) throw new Error(`GET /api/auth/csrf answered ${csrfRes.status}`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = setCookies(csrfRes);
  const res = await fetch(`${cp.url}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: `${cp.url}/hosts` }),
    redirect: "manual",
  });
  const body = (await res.json().catch(() => ({}))) as { url?: string };
  for (const [k, v] of setCookies(res)) jar.set(k, v);
  const error = body.url ? new URL(body.url, cp.url).searchParams.get("error") : null;
  const signedIn = [...jar.keys()].some((k) => k.endsWith("next-auth.session-token"));
  return { ok: res.status === 200 && !error && signedIn, status: res.status, error, cookie: cookieHeader(jar), setCookieLines: res.headers.getSetCookie() };
}

/** Signs in and returns the `Cookie` header string for that session. Throws with next-auth's reason when refused. */
export async function signIn(cp: ControlPlane, email: string, password: string): Promise<string> {
  const r = await trySignIn(cp, email, password);
  if (!r.ok) throw new Error(`sign-in as ${email} refused (${r.status}): ${r.error ?? "no session cookie"}`);
  return r.cookie;
}

/** next-auth's sign-out (csrf token + POST /api/auth/signout). Returns the Set-Cookie lines, which clear the session. */
export async function signOut(cp: ControlPlane, cookie: string): Promise<string[]> {
  const csrfRes = await fetch(`${cp.url}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = new Map(cookie.split("; ").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)] as [string, string]));
  for (const [k, v] of setCookies(csrfRes)) jar.set(k, v);
  const res = await fetch(`${cp.url}/api/auth/signout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, json: "true" }),
    redirect: "manual",
  });
  if (res.status !== 200) throw new Error(`sign-out answered ${res.status}`);
  return res.headers.getSetCookie();
}

/** Creates a user as the signed-in `byCookie` (an owner or admin) through POST /api/v1/users. */
export async function createUser(
  cp: ControlPlane,
  byCookie: string,
  input: { role: Role } & Partial<{ email: string; password: string; name: string }>,
): Promise<TestUser> {
  const body = { role: input.role, email: input.email ?? uniqueEmail(input.role), password: input.password ?? strongPassword(), name: input.name ?? `A ${input.role}` };
  const r = await api(cp, byCookie).post("/api/v1/users", body);
  if (r.status !== 201) throw new Error(`creating a ${input.role} failed: ${r.status} ${JSON.stringify(r.body)}`);
  const user = (r.body as { user: { id: string } }).user;
  return { id: user.id, email: body.email, name: body.name, role: body.role, password: body.password };
}

/** Creates a user and signs them in: `{ user, cookie }`. */
export async function userSession(cp: ControlPlane, byCookie: string, role: Role): Promise<{ user: TestUser; cookie: string }> {
  const user = await createUser(cp, byCookie, { role });
  return { user, cookie: await signIn(cp, user.email, user.password) };
}

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** fetch against the control plane as a session (or anonymously with no cookie). Objects are sent as JSON. */
export function api(cp: ControlPlane, cookie?: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> => {
    const h: Record<string, string> = { ...headers };
    if (cookie) h.cookie = cookie;
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      // Strings and bytes are sent as they are (to test malformed bodies), still labelled JSON unless told otherwise.
      payload = typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
      if (!Object.keys(h).some((k) => k.toLowerCase() === "content-type")) h["content-type"] = "application/json";
    }
    const res = await fetch(`${cp.url}${path}`, { method, headers: h, body: payload, redirect: "manual" });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    request: call,
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>("GET", path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>("POST", path, body, headers),
    patch: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>("PATCH", path, body, headers),
    put: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>("PUT", path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) => call<T>("DELETE", path, undefined, headers),
  };
}
