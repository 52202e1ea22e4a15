// /hosts/{id} — one host: status with its timestamps, facts, and (for those allowed) rename and revoke.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireActor } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { getHostDetailOrThrow } from "@/lib/hosts/get-host-detail-or-throw";
import { parseHostId } from "@/lib/hosts/host-id";
import { HostDetail } from "@/components/hosts/host-detail";
import { HostPodNetworkPanel } from "@/components/hosts/host-pod-network";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Host ${(await params).id}` };
}

export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requireActor("hosts.read");
  const { id } = await params;
  const hostId = parseHostId(id);
  if (hostId === null || !can(actor, "hosts.read", { hostId })) notFound();
  let host;
  try {
    host = await getHostDetailOrThrow(hostId);
  } catch (e) {
    if (e instanceof GantryError && e.code === "not_found") notFound();
    throw e;
  }
  const { podNetwork, ...view } = host;
  return (
    <div className="space-y-6">
      <HostDetail initial={view} canUpdate={can(actor, "hosts.update", { hostId })} canRevoke={can(actor, "hosts.revoke", { hostId })} renderedAt={Date.now()} />
      <HostPodNetworkPanel net={podNetwork} />
    </div>
  );
}
