// A sign-in's session row (local password or OpenID Connect): its id goes into the next-auth JWT as `sid`.
import { db } from "@/lib/db";
import type { SessionMethod } from "./schemas";
import { SESSION_MAX_AGE_S } from "./max-age";

export interface NewSession {
  userId: string;
  method: SessionMethod;
  epoch: number;
  address: string | null;
  userAgent: string | null;
}

export async function createSession(input: NewSession, now = new Date()): Promise<string> {
  const row = await db.userSession.create({
    data: {
      userId: input.userId,
      method: input.method,
      epoch: input.epoch,
      address: input.address?.slice(0, 100) ?? null,
      userAgent: input.userAgent?.slice(0, 500) ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_S * 1000),
    },
    select: { id: true },
  });
  return row.id;
}
