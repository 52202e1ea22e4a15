// A host acknowledged the pod network's state (network.sync): when, for the host page's "last sync".
import { db } from "@/lib/db";

export async function recordNetworkSync(hostId: number, at = new Date()): Promise<void> {
  await db.host.updateMany({ where: { id: hostId, revokedAt: null }, data: { networkSyncedAt: at } });
}
