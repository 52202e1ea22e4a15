// Who is making this request: the next-auth JWT names a user id and the session epoch it was issued in; the user is
// loaded from the database every time, with its role bindings (its own and its teams', lib/role-bindings/load-grants.ts),
// so a role or binding change, a disabled account or an ended session takes effect at once.
import { getToken } from "next-auth/jwt";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/policy";
import { actorFromApiToken } from "@/lib/api-tokens/actor-from-api-token";
import { sessionIsLive } from "@/lib/sessions/session-is-live";
import { loadGrants } from "@/lib/role-bindings/load-grants";

const ACTOR_SELECT = { id: true, email: true, name: true, role: true, disabled: true } as const;

export async function actorFromUserId(id: string | undefined | null): Promise<Actor | null> {
  if (!id) return null;
  const user = await db.user.findUnique({ where: { id }, select: ACTOR_SELECT });
  return user ? { ...user, grants: await loadGrants(user.id) } : null;
}

/**
 * The actor a session token stands for, or null when the token's epoch has been ended (sign-out, new password,
 * disabled) or its own session (`sid`, lib/sessions) was revoked.
 */
export async function actorFromSession(id: string | undefined | null, epoch: unknown, sid: unknown): Promise<Actor | null> {
  if (!id || typeof epoch !== "number" || typeof sid !== "string") return null;
  const [user, live] = await Promise.all([
    db.user.findUnique({ where: { id }, select: { ...ACTOR_SELECT, sessionEpoch: true } }),
    sessionIsLive(sid, id),
  ]);
  if (!user || user.sessionEpoch !== epoch || !live) return null;
  const { sessionEpoch: _, ...actor } = user;
  return { ...actor, grants: await loadGrants(actor.id) };
}

type TokenRequest = Parameters<typeof getToken>[0]["req"];

/** The `Authorization: Bearer …` value of a Fetch request or a Node IncomingMessage, if any. */
export function bearerToken(req: TokenRequest): string | null {
  const headers = req.headers as Headers | Record<string, string | string[] | undefined>;
  const raw = typeof (headers as Headers).get === "function" ? (headers as Headers).get("authorization") : (headers as Record<string, unknown>).authorization;
  const m = typeof raw === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(raw) : null;
  return m ? m[1]! : null;
}

/**
 * From a request carrying an API token (`Authorization: Bearer gat_…`, lib/api-tokens) or next-auth's session cookie
 * (route handlers, or socket.io handshakes with req.cookies set). A bearer token, when sent, is the only credential read.
 */
export async function actorFromRequest(req: TokenRequest): Promise<Actor | null> {
  const bearer = bearerToken(req);
  if (bearer !== null) return actorFromApiToken(bearer);
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  return actorFromSession(typeof token?.sub === "string" ? token.sub : null, token?.epoch, token?.sid);
}

/** What a long-lived connection was opened with, to re-read its actor later: an API token, or a session (user, epoch, sid). */
export type SessionRef = { apiToken: string } | { userId: string; epoch: number; sid: string };

/** Like actorFromRequest, and also what to re-read the actor from later (socket.io handshakes keep it). */
export async function sessionFromRequest(req: TokenRequest): Promise<{ actor: Actor; ref: SessionRef } | null> {
  const bearer = bearerToken(req);
  if (bearer !== null) {
    const actor = await actorFromApiToken(bearer);
    return actor ? { actor, ref: { apiToken: bearer } } : null;
  }
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  const userId = typeof token?.sub === "string" ? token.sub : null;
  const actor = await actorFromSession(userId, token?.epoch, token?.sid);
  return actor ? { actor, ref: { userId: actor.id, epoch: token!.epoch as number, sid: token!.sid as string } } : null;
}

/** The actor a connection stands for now: null once its token is revoked or expired, or its session ended. */
export function actorFromSessionRef(ref: SessionRef): Promise<Actor | null> {
  return "apiToken" in ref ? actorFromApiToken(ref.apiToken) : actorFromSession(ref.userId, ref.epoch, ref.sid);
}

/** Parses a Cookie header into the object next-auth's getToken expects on `req.cookies`. */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const key = part.slice(0, i).trim();
    const raw = part.slice(i + 1).trim();
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}
