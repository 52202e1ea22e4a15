// /hosts/{id} — one host: status with its timestamps, facts, and (for those allowed) rename, revoke, cordon and drain.
import type { Metadata } from "next";
import { requireActor } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { getHostDetailOrThrow } from "@/lib/hosts/get-host-detail-or-throw";
import { HostDetail } from "@/components/hosts/host-detail";
import { HostPodNetworkPanel } from "@/components/hosts/host-pod-network";
import { HostScheduling } from "@/components/hosts/host-scheduling";
import { loadHostRoute } from "./host-route";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Host ${(await params).id}` };
}

export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requireActor("hosts.read");
  const { hostId, host } = await loadHostRoute((await params).id, getHostDetailOrThrow, (hostId) => can(actor, "hosts.read", { hostId }));
  const { podNetwork, node, ...view } = host;
  return (
    <div className="space-y-6">
      <HostDetail initial={view} canUpdate={can(actor, "hosts.update", { hostId })} canRevoke={can(actor, "hosts.revoke", { hostId })} canRotate={can(actor, "hosts.rotate", { hostId })} renderedAt={Date.now()} />
      {!view.revoked && <HostScheduling hostId={hostId} initial={node} canDrain={can(actor, "hosts.drain", { hostId })} />}
      <HostPodNetworkPanel net={podNetwork} />
    </div>
  );
}
