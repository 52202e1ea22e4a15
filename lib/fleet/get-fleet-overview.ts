// The fleet at a glance, for the home page: hosts by status, containers by state, the containers that most recently
// ended with an error, and the hosts short of disk by the facts their agents last reported.
import { db } from "@/lib/db";
import type { HostFacts } from "@/lib/protocol";
import { listHosts, type HostPage } from "@/lib/hosts/list-hosts";

/** A host whose free disk is below this share of its total is "short of disk". */
export const DISK_PRESSURE_FREE_SHARE = 0.1;

export interface FleetOverview {
  hosts: HostPage["counts"];
  containers: { total: number; byState: Record<string, number> };
  failures: Array<{ hostId: number; id: string; name: string; image: string; exitCode: number; finishedAt: string | null }>;
  diskPressure: Array<{ hostId: number; name: string; path: string; freeBytes: number; totalBytes: number }>;
}

/** visible: the hosts the actor may see (lib/auth/policy.ts hostIdsFor): the counts are of those only. */
export async function getFleetOverview(visible: "all" | number[] = "all"): Promise<FleetOverview> {
  const onHosts = visible === "all" ? {} : { hostId: { in: visible } };
  const [{ counts }, byState, failed, hosts] = await Promise.all([
    listHosts({ page: 1, pageSize: 1, sort: "id", order: "asc" }, visible),
    db.container.groupBy({ by: ["state"], where: onHosts, _count: { _all: true } }),
    db.container.findMany({
      where: { ...onHosts, state: { in: ["exited", "dead"] }, exitCode: { not: 0 } },
      orderBy: [{ finishedAt: { sort: "desc", nulls: "last" } }, { containerId: "asc" }],
      take: 5,
    }),
    db.host.findMany({ where: { revokedAt: null, ...(visible === "all" ? {} : { id: { in: visible } }) }, select: { id: true, name: true, facts: true }, orderBy: { id: "asc" } }),
  ]);
  const states: Record<string, number> = {};
  let total = 0;
  for (const g of byState) {
    states[g.state] = g._count._all;
    total += g._count._all;
  }
  const diskPressure: FleetOverview["diskPressure"] = [];
  for (const h of hosts) {
    const disk = (h.facts as HostFacts | null)?.disk;
    if (disk && disk.totalBytes > 0 && disk.freeBytes / disk.totalBytes < DISK_PRESSURE_FREE_SHARE) {
      diskPressure.push({ hostId: h.id, name: h.name, path: disk.path, freeBytes: disk.freeBytes, totalBytes: disk.totalBytes });
    }
  }
  return {
    hosts: counts,
    containers: { total, byState: states },
    failures: failed.map((c) => ({ hostId: c.hostId, id: c.containerId, name: c.name, image: c.image, exitCode: c.exitCode ?? -1, finishedAt: c.finishedAt?.toISOString() ?? null })),
    diskPressure,
  };
}
