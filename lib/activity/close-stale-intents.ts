// A mutation's activity row still "pending" long after any request could have lasted (the longest command deadline is
// 10 minutes) belonged to a control plane that died mid-request: it is completed as "interrupted" (an outcome row of
// its own in the audit chain), so the record says so.
import { db } from "@/lib/db";
import { PENDING, completeIntent } from "./audit-chain";

export const STALE_INTENT_MS = 15 * 60_000;

export async function closeStaleIntents(now = new Date()): Promise<number> {
  const stale = await db.activityRecord.findMany({
    where: { outcome: PENDING, completes: null, at: { lt: new Date(now.getTime() - STALE_INTENT_MS) } },
    select: { id: true },
    orderBy: { id: "asc" },
    take: 1000,
  });
  for (const { id } of stale) await completeIntent(id, "interrupted");
  return stale.length;
}
