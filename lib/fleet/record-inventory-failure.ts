// An inventory page could not be recorded (malformed, out of order, the database failed): the host says so — it reads
// "syncing" with the reason until a sync completes — instead of looking current while its inventory is not.
import { db } from "@/lib/db";

export async function recordInventoryFailure(hostId: number, reason: string, now = new Date()): Promise<boolean> {
  const at = now.toISOString();
  const n = await db.$executeRaw`UPDATE "Host" SET "syncError" = ${reason.slice(0, 1000)}, "syncStartedAt" = COALESCE("syncStartedAt", (${at}::timestamptz AT TIME ZONE 'UTC')) WHERE id = ${hostId} AND "revokedAt" IS NULL`;
  return n === 1;
}
