// Appends one row to the activity record. Called for every mutation (by withAuth, lib/http/with-auth.ts) and for
// every exec session (by the socket handler that opens it).
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/policy";
import type { Prisma } from "@/lib/generated/prisma/client";

export interface ActivityInput {
  actor: Actor | null;
  action: string;
  target?: string | null;
  outcome?: string;
  ip?: string | null;
  userAgent?: string | null;
  details?: Prisma.InputJsonValue;
}

const clip = (s: string | null | undefined, n: number) => (s == null ? null : s.slice(0, n));

/** Returns the new row's id. */
export async function recordActivity(input: ActivityInput): Promise<number> {
  const row = await db.activityRecord.create({
    data: {
      userId: input.actor?.id ?? null,
      userEmail: input.actor?.email ?? null,
      tokenId: input.actor?.tokenId ?? null,
      action: input.action,
      target: clip(input.target, 500),
      outcome: input.outcome ?? "ok",
      ip: clip(input.ip, 100),
      userAgent: clip(input.userAgent, 500),
      details: input.details,
    },
    select: { id: true },
  });
  return row.id;
}
