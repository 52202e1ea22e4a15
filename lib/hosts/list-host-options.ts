// What a per-host page's host picker offers (every host not revoked, with its status) and the host it opens on: the
// one the URL names (?host=), else the first online host, else the first one.
import { listHosts } from "./list-hosts";
import type { HostStatus } from "./host-view";

export interface HostOptionView {
  id: number;
  name: string;
  status: HostStatus;
}

export async function listHostOptions(
  asked: string | string[] | undefined,
  visible: "all" | number[] = "all",
): Promise<{ hosts: HostOptionView[]; initialHostId: number | null }> {
  const { items } = await listHosts({ pageSize: 200, sort: "id" }, visible);
  const hosts = items.filter((h) => !h.revoked).map((h) => ({ id: h.id, name: h.name, status: h.status }));
  const id = typeof asked === "string" && /^[1-9][0-9]{0,9}$/.test(asked) ? Number(asked) : null;
  const initial = hosts.find((h) => h.id === id) ?? hosts.find((h) => h.status === "online") ?? hosts[0] ?? null;
  return { hosts, initialHostId: initial?.id ?? null };
}
