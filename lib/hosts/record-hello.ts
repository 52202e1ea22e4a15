// An agent (re)connected and reported its facts: the host is online, connected and seen now — and "syncing" until the
// full inventory the agent sends after every hello is in (what ran there while it was away is not known before).
import { db } from "@/lib/db";
import type { HostFacts } from "@/lib/protocol";
import { HOST_VIEW_SELECT, toHostView, type HostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

/** Returns the host as now stored, or null when it was revoked meanwhile. */
export async function recordHello(hostId: number, facts: HostFacts, now = new Date()): Promise<HostView | null> {
  const before = await db.host.findUnique({ where: { id: hostId }, select: HOST_VIEW_SELECT });
  if (!before || before.revokedAt) return null;
  const rows = await db.host.updateManyAndReturn({
    where: { id: hostId, revokedAt: null },
    data: {
      facts,
      agentVersion: facts.agentVersion,
      engineVersion: facts.engineVersion,
      lastSeenAt: now,
      connectedAt: now,
      status: "online",
      ...(before.status !== "online" ? { statusChangedAt: now } : {}),
      // A sync of the previous connection is over: its remaining pages are refused, this connection's sync starts anew.
      syncId: null,
      syncPages: 0,
      syncStartedAt: before.syncStartedAt ?? now,
    },
    select: HOST_VIEW_SELECT,
  });
  const host = rows[0];
  if (!host) return null;
  const view = toHostView(host);
  publishHostEvent(toHostView(before).status !== view.status ? "status" : "updated", view);
  return view;
}
