// An agent's connection closed. Its status is left to the heartbeat sweep (online → stale → offline as the grace
// runs out), so a short network blip does not flap the host; only "connected" changes now.
import { db } from "@/lib/db";
import { HOST_VIEW_SELECT, toHostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

export async function recordDisconnect(hostId: number): Promise<void> {
  const rows = await db.host.updateManyAndReturn({
    where: { id: hostId, connectedAt: { not: null } },
    data: { connectedAt: null },
    select: HOST_VIEW_SELECT,
  });
  if (rows[0]) publishHostEvent("updated", toHostView(rows[0]));
}
