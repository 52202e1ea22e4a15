// A host's place on the pod network, for its page and GET /api/v1/hosts/{id}: its range, where its agent said it is on
// the underlay, when it last took the overlay's state (network.sync), and the other hosts its overlay reaches.
import { db } from "@/lib/db";
import { listOverlayHosts, peersOf } from "./overlay-peers";

export interface HostPodNetwork {
  podCIDR: string | null;
  underlayIP: string | null;
  vtepMAC: string | null;
  /** When the host last acknowledged a network.sync. */
  syncedAt: string | null;
  peers: { hostId: number; name: string; podCIDR: string; underlayIP: string }[];
}

export async function getHostPodNetwork(hostId: number): Promise<HostPodNetwork> {
  const [row, hosts] = await Promise.all([db.host.findUnique({ where: { id: hostId }, select: { podCIDR: true, networkSyncedAt: true } }), listOverlayHosts()]);
  const self = hosts.find((h) => h.hostId === hostId);
  return {
    podCIDR: row?.podCIDR ?? null,
    underlayIP: self?.underlayIP ?? null,
    vtepMAC: self?.vtepMAC ?? null,
    syncedAt: row?.networkSyncedAt?.toISOString() ?? null,
    peers: row?.podCIDR ? peersOf(hostId, hosts).map((p) => ({ hostId: p.hostId, name: p.name, podCIDR: p.podCIDR, underlayIP: p.underlayIP })) : [],
  };
}
