// Every host on the pod overlay: those not revoked that hold a pod CIDR, with the underlay address and VTEP MAC their
// agent last reported (HostFacts.network). One small query: the facts' two fields are read in SQL, not the whole facts.
import { db } from "@/lib/db";
import { HostNetworkFacts, type OverlayPeer } from "@/lib/protocol/network";

export interface OverlayHost {
  hostId: number;
  name: string;
  podCIDR: string;
  /** Null until its agent reported where it is on the underlay. */
  underlayIP: string | null;
  vtepMAC: string | null;
}

export async function listOverlayHosts(): Promise<OverlayHost[]> {
  const rows = await db.$queryRaw<{ id: number; name: string; podCIDR: string; ip: string | null; mac: string | null }[]>`
    SELECT id, name, "podCIDR", facts->'network'->>'underlayIP' AS ip, facts->'network'->>'vtepMAC' AS mac
    FROM "Host" WHERE "revokedAt" IS NULL AND "podCIDR" IS NOT NULL ORDER BY id`;
  return rows.map((r) => ({ hostId: r.id, name: r.name, podCIDR: r.podCIDR, underlayIP: r.ip, vtepMAC: r.mac }));
}

/** The peers a host's overlay holds: every other host whose place on the underlay is known (and well-formed). */
export function peersOf(hostId: number, hosts: OverlayHost[]): OverlayPeer[] {
  const out: OverlayPeer[] = [];
  for (const h of hosts) {
    if (h.hostId === hostId) continue;
    if (!HostNetworkFacts.safeParse({ underlayIP: h.underlayIP, vtepMAC: h.vtepMAC }).success) continue;
    out.push({ hostId: h.hostId, name: h.name.slice(0, 253), underlayIP: h.underlayIP!, podCIDR: h.podCIDR, vtepMAC: h.vtepMAC! });
  }
  return out;
}
