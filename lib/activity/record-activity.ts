// Appends one row to the activity record (sealed into the audit chain, lib/activity/audit-chain.ts). Called for every
// mutation (by withAuth, lib/http/with-auth.ts), every sign-in, and every exec session (by the socket handler that
// opens it).
import { appendActivity } from "./audit-chain";
import type { Actor } from "@/lib/auth/policy";
import type { Prisma } from "@/lib/generated/prisma/client";

export interface ActivityInput {
  /** Who acted (an Actor, or only the user of a sign-in). */
  actor: Pick<Actor, "id" | "email" | "tokenId"> | null;
  /** Who, when there is no actor (a failed sign-in: the email that was tried). */
  userEmail?: string | null;
  action: string;
  target?: string | null;
  outcome?: string;
  ip?: string | null;
  userAgent?: string | null;
  details?: Prisma.InputJsonValue;
}

// PostgreSQL stores no U+0000 in text or jsonb: a NUL in a path or a command (refused, but recorded) becomes U+FFFD,
// so the record of that attempt is still written.
const clip = (s: string | null | undefined, n: number) => (s == null ? null : withoutNul(s.slice(0, n)));

function withoutNul<T>(value: T): T {
  if (typeof value === "string") return value.replace(/\u0000/g, "\ufffd") as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  return value;
}

/** Returns the new row's id. */
export async function recordActivity(input: ActivityInput): Promise<number> {
  return appendActivity({
    userId: input.actor?.id ?? null,
    userEmail: withoutNul(input.userEmail ?? input.actor?.email ?? null),
    tokenId: input.actor?.tokenId ?? null,
    action: withoutNul(input.action),
    target: clip(input.target, 500),
    outcome: input.outcome ?? "ok",
    ip: clip(input.ip, 100),
    userAgent: clip(input.userAgent, 500),
    details: input.details === undefined ? undefined : withoutNul(input.details),
  });
}
