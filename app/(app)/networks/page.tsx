// /networks?host={hostId} — one host's networks and the containers on each; create, connect, disconnect and remove
// for containers.manage (through /api/v1/hosts/{id}/networks).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can, hostIdsFor } from "@/lib/auth/policy";
import { listHostOptions } from "@/lib/hosts/list-host-options";
import { NotAllowed } from "@/components/ui";
import { NetworksView } from "@/components/networks/networks-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Networks" };

export default async function NetworksPage({ searchParams }: { searchParams: Promise<{ host?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("containers.read");
  if (!allowed) return <NotAllowed title="Networks" role={actor.role} action="containers.read" what="Reading networks" />;
  const { hosts, initialHostId } = await listHostOptions((await searchParams).host, hostIdsFor(actor, "containers.read"));
  return <NetworksView hosts={hosts} initialHostId={initialHostId} canManage={can(actor, "containers.manage")} />;
}
