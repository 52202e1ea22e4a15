// Moves silent hosts down: online → stale after `staleMs` without a heartbeat, online/stale → offline after
// `offlineMs`. Each move is one conditional update, so a heartbeat landing at the same moment is never overwritten
// by an older view. Every change is pushed to browsers.
import { db } from "@/lib/db";
import { HOST_VIEW_SELECT, toHostView, type HostView } from "./host-view";
import type { HeartbeatThresholds } from "./heartbeat-thresholds";
import { publishHostEvent } from "./publish-host-event";

export async function sweepHostStatus(thresholds: HeartbeatThresholds, now = new Date()): Promise<HostView[]> {
  const offlineBefore = new Date(now.getTime() - thresholds.offlineMs);
  const staleBefore = new Date(now.getTime() - thresholds.staleMs);
  const silentSince = (before: Date) => ({ OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: before } }] });

  const offline = await db.host.updateManyAndReturn({
    where: { status: { in: ["online", "stale"] }, ...silentSince(offlineBefore) },
    data: { status: "offline", statusChangedAt: now },
    select: HOST_VIEW_SELECT,
  });
  const stale = await db.host.updateManyAndReturn({
    where: { status: "online", ...silentSince(staleBefore) },
    data: { status: "stale", statusChangedAt: now },
    select: HOST_VIEW_SELECT,
  });
  const changed = [...offline, ...stale].map(toHostView);
  for (const host of changed) publishHostEvent("status", host);
  return changed;
}
