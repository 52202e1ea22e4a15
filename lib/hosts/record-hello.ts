// An agent (re)connected and reported its facts: the host is online, connected and seen now.
import { db } from "@/lib/db";
import type { HostFacts } from "@/lib/protocol";
import { HOST_VIEW_SELECT, toHostView, type HostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

/** Returns the host as now stored, or null when it was revoked meanwhile. */
export async function recordHello(hostId: number, facts: HostFacts, now = new Date()): Promise<HostView | null> {
  const before = await db.host.findUnique({ where: { id: hostId }, select: { status: true, revokedAt: true } });
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
    },
    select: HOST_VIEW_SELECT,
  });
  const host = rows[0];
  if (!host) return null;
  const view = toHostView(host);
  publishHostEvent(before.status !== "online" ? "status" : "updated", view);
  return view;
}
