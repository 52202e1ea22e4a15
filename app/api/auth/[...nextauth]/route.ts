// /api/auth/* — next-auth (csrf, sign-in callback, sign-out, session). Bodies are checked before next-auth sees them:
// oversized → 413, a media type it cannot read → 415, broken JSON → 400, and anything unexpected is a generic 500.
// Its posts are form-encoded with next-auth's double-submit CSRF token, which a page on another port of this host can
// defeat (it may set cookies for the host name): a post from a foreign page is refused first (lib/http/same-origin.ts).
import { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";
import { GantryError, badRequest } from "@/lib/errors";
import { toResponse } from "@/lib/http/respond";
import { readBodyLimited } from "@/lib/http/parse";
import { assertSameOrigin } from "@/lib/http/same-origin";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 16 * 1024;
const nextAuth = NextAuth(authOptions) as (req: NextRequest, ctx: RouteContext) => Promise<Response>;

type RouteContext = { params: Promise<{ nextauth: string[] }> };

async function handle(req: NextRequest, ctx: RouteContext): Promise<Response> {
  try {
    if (req.method !== "POST") return await nextAuth(req, ctx);
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
    return await nextAuth(copy, ctx);
  } catch (e) {
    return toResponse(e);
  }
}

export { handle as GET, handle as POST };
