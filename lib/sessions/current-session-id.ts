// The session (`sid` of the next-auth JWT) a request was made with; null for API tokens and anonymous requests.
import { getToken } from "next-auth/jwt";
import { bearerToken } from "@/lib/auth/actor";

type TokenRequest = Parameters<typeof getToken>[0]["req"];

export async function currentSessionId(req: TokenRequest): Promise<string | null> {
  if (bearerToken(req) !== null) return null;
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  return typeof token?.sid === "string" ? token.sid : null;
}
