// /api/auth/* — next-auth (csrf, sign-in callback, sign-out, session). Bodies are checked before next-auth sees them:
// oversized → 413, a media type it cannot read → 415, broken JSON → 400, and anything unexpected is a generic 500.
// Its posts are form-encoded with next-auth's double-submit CSRF token, which a page on another port of this host can
// defeat (it may set cookies for the host name): a post from a foreign page is refused first (lib/http/same-origin.ts).
// Options are built per request (lib/auth/auth-options.ts): the session row a sign-in makes keeps the request's address
// and user agent, and single sign-on is read from its settings each time; a single sign-on step that cannot go on
// (lib/auth/oidc/prepare-oidc-request.ts) is sent back to the sign-in page with its reason.
import { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";
import { prepareOidcRequest } from "@/lib/auth/oidc/prepare-oidc-request";
import { clientAddress } from "@/lib/activity/client-address";
import { recordOidcSignIn } from "@/lib/auth/oidc/record-oidc-sign-in";
import { GantryError, badRequest } from "@/lib/errors";
import { toResponse } from "@/lib/http/respond";
import { readBodyLimited } from "@/lib/http/parse";
import { assertSameOrigin } from "@/lib/http/same-origin";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 16 * 1024;
type RouteContext = { params: Promise<{ nextauth: string[] }> };
type Options = ReturnType<typeof authOptions>;
const nextAuth = NextAuth as unknown as (req: NextRequest, ctx: RouteContext, options: Options) => Promise<Response>;

async function run(req: NextRequest, ctx: RouteContext, json: boolean): Promise<Response> {
  const [action = "", providerId] = (await ctx.params)?.nextauth ?? [];
  const cookies = Object.fromEntries(req.cookies.getAll().map((c) => [c.name, c.value]));
  const request = { address: clientAddress(req.headers), userAgent: req.headers.get("user-agent") };
  const oidc = await prepareOidcRequest({ action, providerId, query: req.nextUrl.searchParams, cookies });
  if (!oidc.ok) {
    if (action === "callback") await recordOidcSignIn({ ...request, user: null, issuer: null, outcome: oidc.code, groups: [] });
    if (oidc.reason) console.error(`[gantry] single sign-on: ${oidc.reason}`);
    const url = `/signin?error=${oidc.code}`;
    return json ? Response.json({ url }) : new Response(null, { status: 302, headers: { location: url } });
  }
  return nextAuth(req, ctx, authOptions(request, oidc.provider));
}

async function handle(req: NextRequest, ctx: RouteContext): Promise<Response> {
  try {
    if (req.method !== "POST") return await run(req, ctx, false);
    assertSameOrigin(req.method, req.headers);
    const type = req.headers.get("content-type") ?? "";
    const isForm = type.includes("application/x-www-form-urlencoded");
    const isJson = type.includes("application/json");
    if (!isForm && !isJson) {
      throw new GantryError("unsupported_media_type", "send the body as application/x-www-form-urlencoded or application/json");
    }
    const text = await readBodyLimited(req, MAX_BODY_BYTES);
    if (isJson) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw badRequest("request body is not valid JSON");
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("request body must be a JSON object");
    }
    const copy = new NextRequest(req.url, { method: "POST", headers: req.headers, body: text });
    const wantsJson = isJson ? (JSON.parse(text) as { json?: unknown }).json === "true" : new URLSearchParams(text).get("json") === "true";
    return await run(copy, ctx, wantsJson);
  } catch (e) {
    return toResponse(e);
  }
}

export { handle as GET, handle as POST };
