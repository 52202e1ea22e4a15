// At control-plane start no agent is connected yet, whatever the previous process recorded — and no host's inventory
// is known to be current: what ran on a host while no control plane listened arrives with its agent's next sync, so
// until then the host reads "syncing" (or stale, or offline, as its heartbeat goes), never "online" with old containers.
import { db } from "@/lib/db";

export async function resetConnections(now = new Date()): Promise<number> {
  const r = await db.host.updateMany({ where: { connectedAt: { not: null } }, data: { connectedAt: null } });
  await db.host.updateMany({ where: { revokedAt: null, syncStartedAt: null }, data: { syncStartedAt: now, syncId: null, syncPages: 0 } });
  return r.count;
}
