// Cross-site request forgery: a browser sends the session cookie with any request to this host — from another port on
// the same host name too (same-site, so SameSite=Lax does not stop it). A state-changing request a browser made says
// where it came from (Sec-Fetch-Site, Origin); one from anywhere but this control plane's own pages is refused.
// "Our own origin" is GANTRY_PUBLIC_URL's, or the one the request was addressed to (its Host header). Requests with
// neither header come from programs (the CLI, agents, scripts), which hold their own credentials.
import { forbidden, GantryError } from "@/lib/errors";
import { serverContext } from "@/lib/server-context";

type HeaderBag = { get(name: string): string | null };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

function publicOrigin(): string | null {
  const url = serverContext.maybe()?.publicUrl ?? process.env.GANTRY_PUBLIC_URL;
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Why a request that came from a browser page is not from one of ours, or null when it is (or came from no page). */
export function crossSiteReason(headers: HeaderBag): string | null {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `a ${site} request (Sec-Fetch-Site)`;
  const origin = headers.get("origin");
  if (origin === null) return null;
  if (origin === "null") return "a request from an opaque origin";
  const host = headers.get("host");
  const allowed = new Set([publicOrigin(), host ? `http://${host}` : null, host ? `https://${host}` : null]);
  let normalized: string;
  try {
    normalized = new URL(origin).origin;
  } catch {
    return "a request with a malformed Origin";
  }
  return allowed.has(normalized) ? null : `a request from ${normalized}`;
}

/** Throws 403 for a state-changing request a page of another origin made. */
export function assertSameOrigin(method: string, headers: HeaderBag): void {
  if (isSafeMethod(method)) return;
  const reason = crossSiteReason(headers);
  if (reason) throw forbidden(`cross-site request refused: ${reason}; use this control plane's own pages, or an API token`);
}

// What an HTML form (or a no-preflight fetch) can send. JSON bodies need a preflight a foreign page does not pass.
const FORM_TYPES = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i;

/** Throws 415 for a state-changing request whose body is form-shaped: the API takes JSON (or no body) only. */
export function assertNotForm(method: string, headers: HeaderBag): void {
  if (isSafeMethod(method)) return;
  if (FORM_TYPES.test(headers.get("content-type") ?? "")) {
    throw new GantryError("unsupported_media_type", "send the body as JSON (Content-Type: application/json)");
  }
}
