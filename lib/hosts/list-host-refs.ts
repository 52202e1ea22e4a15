// Every host not revoked, as id and name only: what the workload pages need to turn a pod's Node name into a link to
// its host (lib/workloads/pod-sources.ts picks the oldest host of a name, as Nodes do).
import { db } from "@/lib/db";

export async function listHostRefs(): Promise<Array<{ id: number; name: string }>> {
  return db.host.findMany({ where: { revokedAt: null }, select: { id: true, name: true }, orderBy: { id: "asc" } });
}
