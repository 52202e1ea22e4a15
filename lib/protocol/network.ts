// The pod network between the control plane and every agent (issue 14). Each host holds one range of the cluster CIDR
// (its podCIDR, Node.spec.podCIDR) for its pods, on a pod bridge whose gateway is the range's .1; hosts reach each
// other's pods over a VXLAN overlay, as flannel's vxlan backend does: a kernel vxlan device per host, and for every
// other host a route to its podCIDR through its VTEP address (the range's .0, onlink), a permanent neighbour entry
// (that address → the peer's VTEP MAC) and an FDB entry (that MAC → the peer's underlay address).
//
// The agent says where it is in its hello and facts (HostFacts.network): its underlay address (the one it reaches the
// control plane from, or GANTRY_NODE_IP) and its VTEP's MAC. The control plane sends `network.sync` (server → agent,
// acknowledged) after each hello and whenever a peer joins, moves or leaves: always the complete state — a peer not in
// the list is removed from the overlay.
import { z } from "zod";

const IPv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "must be an IPv4 address");
const Cidr = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12][0-9]|3[0-2])$/, "must be an IPv4 CIDR");
export const MacAddress = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, "must be a MAC address in lower-case hex (aa:bb:cc:dd:ee:ff)");

/** What an agent tells about its place on the overlay (HostFacts.network). */
export const HostNetworkFacts = z
  .object({
    /** The IPv4 address other hosts send this host's VXLAN traffic to. */
    underlayIP: IPv4,
    /** The MAC of this host's VXLAN device (kept across restarts under GANTRY_ROOT). */
    vtepMAC: MacAddress,
  })
  .strict();
export type HostNetworkFacts = z.infer<typeof HostNetworkFacts>;

export const OverlayPeer = z
  .object({
    hostId: z.number().int().positive(),
    name: z.string().max(253),
    underlayIP: IPv4,
    podCIDR: Cidr,
    vtepMAC: MacAddress,
  })
  .strict();
export type OverlayPeer = z.infer<typeof OverlayPeer>;

/** server → agent `network.sync`. */
export const NetworkSync = z
  .object({
    /** Grows with every message to a host's connection; the agent reports the last one it applied. */
    revision: z.number().int().min(1),
    /** This host's range; null when none could be given (the cluster CIDR is used up): pods wait. */
    podCIDR: Cidr.nullable(),
    clusterCIDR: Cidr,
    /** The cluster's DNS domain ("cluster.local"): pods' resolv.conf searches under it (dnsPolicy ClusterFirst). */
    clusterDomain: z.string().min(1).max(253),
    vxlan: z
      .object({
        vni: z.number().int().min(1).max(16_777_215),
        port: z.number().int().min(1).max(65535),
        /** null: the underlay interface's MTU less 50 (VXLAN's encapsulation). */
        mtu: z.number().int().min(576).max(9000).nullable(),
      })
      .strict(),
    /** Every other host with a range and a known underlay address and VTEP. */
    peers: z.array(OverlayPeer).max(20000),
  })
  .strict();
export type NetworkSync = z.infer<typeof NetworkSync>;

/** The VTEP address of a pod range: its network address (.0), as flannel uses it. */
export function vtepAddress(podCIDR: string): string {
  return podCIDR.split("/")[0]!;
}

/** The pod bridge's gateway in a pod range: .1. */
export function podGateway(podCIDR: string): string {
  const [a, b, c, d] = podCIDR.split("/")[0]!.split(".").map(Number);
  return `${a}.${b}.${c}.${d! + 1}`;
}
