// A heartbeat: the host was seen now. Only a change of status is pushed to browsers (a fleet of a thousand hosts
// beating every 10 s would otherwise flood every open page).
import { db } from "@/lib/db";
import { HOST_VIEW_SELECT, toHostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

/** Returns false when the host is gone or revoked (the caller then cuts the connection). */
export async function recordHeartbeat(hostId: number, now = new Date()): Promise<boolean> {
  const revived = await db.host.updateManyAndReturn({
    where: { id: hostId, revokedAt: null, status: { not: "online" } },
    data: { status: "online", statusChangedAt: now, lastSeenAt: now },
    select: HOST_VIEW_SELECT,
  });
  if (revived[0]) {
    publishHostEvent("status", toHostView(revived[0]));
    return true;
  }
  const seen = await db.host.updateMany({ where: { id: hostId, revokedAt: null }, data: { lastSeenAt: now } });
  return seen.count === 1;
}
