// An agent reported changed facts (more memory, a new kernel after a reboot, less free disk): stored and pushed.
import { db } from "@/lib/db";
import type { HostFacts } from "@/lib/protocol";
import { HOST_VIEW_SELECT, toHostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

/** Returns false when the host is gone or revoked. */
export async function recordFacts(hostId: number, facts: HostFacts, now = new Date()): Promise<boolean> {
  const rows = await db.host.updateManyAndReturn({
    where: { id: hostId, revokedAt: null },
    data: { facts, agentVersion: facts.agentVersion, engineVersion: facts.engineVersion, lastSeenAt: now },
    select: HOST_VIEW_SELECT,
  });
  if (!rows[0]) return false;
  publishHostEvent("updated", toHostView(rows[0]));
  return true;
}
