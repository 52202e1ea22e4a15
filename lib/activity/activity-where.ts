// The activity filters (who, action, target, outcome, time) as a Prisma where — the audit page, its live tail and the
// export read the same rows. Outcome rows (an intent's completion in the audit chain) are never listed on their own:
// their intent shows the outcome.
import type { Prisma } from "@/lib/generated/prisma/client";
import type { ActivityFilters } from "./schemas";

export function activityWhere(q: ActivityFilters & { afterId?: number }): Prisma.ActivityRecordWhereInput {
  return {
    completes: null,
    ...(q.userId ? { userId: q.userId } : {}),
    ...(q.who ? { userEmail: { contains: q.who, mode: "insensitive" } } : {}),
    ...(q.action ? (q.action.endsWith(".") ? { action: { startsWith: q.action } } : { action: q.action }) : {}),
    ...(q.target ? { target: { startsWith: q.target } } : {}),
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.from || q.to ? { at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) } } : {}),
    ...(q.afterId !== undefined ? { id: { gt: q.afterId } } : {}),
  };
}
