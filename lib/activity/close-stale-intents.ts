// A mutation's activity row still "pending" long after any request could have lasted (the longest command deadline is
// 10 minutes) belonged to a control plane that died mid-request: it is marked "interrupted", so the record says so.
import { db } from "@/lib/db";
import { PENDING } from "./record-request-activity";

export const STALE_INTENT_MS = 15 * 60_000;

export async function closeStaleIntents(now = new Date()): Promise<number> {
  const r = await db.activityRecord.updateMany({
    where: { outcome: PENDING, at: { lt: new Date(now.getTime() - STALE_INTENT_MS) } },
    data: { outcome: "interrupted" },
  });
  return r.count;
}
