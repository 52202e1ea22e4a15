// A host group as the API shows it: its hosts with their names.
import { db } from "@/lib/db";
import { unprocessable } from "@/lib/errors";
import type { HostGroupView } from "./schemas";

export const HOST_GROUP_SELECT = { id: true, name: true, description: true, createdAt: true, members: { select: { hostId: true } } };

type Row = { id: string; name: string; description: string | null; createdAt: Date; members: { hostId: number }[] };

export async function hostGroupViews(rows: Row[]): Promise<HostGroupView[]> {
  const ids = [...new Set(rows.flatMap((g) => g.members.map((m) => m.hostId)))];
  const hosts = ids.length ? await db.host.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }) : [];
  const byId = new Map(hosts.map((h) => [h.id, h.name]));
  return rows.map((g) => ({
    id: g.id,
    name: g.name,
    description: g.description,
    createdAt: g.createdAt.toISOString(),
    hosts: g.members.map((m) => ({ id: m.hostId, name: byId.get(m.hostId) ?? "" })).sort((a, b) => a.id - b.id),
  }));
}

/** Unknown host ids are a 422 naming the field. */
export async function assertHostsExist(hostIds: readonly number[]): Promise<void> {
  const found = await db.host.findMany({ where: { id: { in: [...hostIds] } }, select: { id: true } });
  const missing = hostIds.filter((id) => !found.some((h) => h.id === id));
  if (missing.length) {
    throw unprocessable(`hostIds: no host ${missing.join(", ")}`, [{ path: "hostIds", message: `no host ${missing.join(", ")}` }]);
  }
}
