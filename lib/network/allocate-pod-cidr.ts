// A host's share of the cluster's pod network: the first /nodeCIDRMaskSize of GANTRY_CLUSTER_CIDR no other host holds,
// stored on the host (unique) so it is the same after any restart, and given back when the host is revoked
// (lib/hosts/revoke-host.ts). Allocations are serialised by a transaction-scoped advisory lock, so replicas sharing one
// database never hand one range out twice. A range stored under an earlier plan (another cluster CIDR or mask) is
// replaced. When every range is taken the host gets none: PodCidrExhaustedError says so, and the caller records it
// (the host keeps working for plain containers; its pods wait).
import { db } from "@/lib/db";
import { cidrContains, cidrSize, numberToIpv4, parseCidr, type ClusterNetworkConfig } from "./cluster-cidrs";

const POD_CIDR_LOCK_KEY = 72707371; // arbitrary, constant; migrations use 72707369, users 72707370

export class PodCidrExhaustedError extends Error {
  constructor(readonly hostId: number, plan: ClusterNetworkConfig) {
    const n = cidrSize(plan.clusterCIDR) / 2 ** (32 - plan.nodeCIDRMaskSize);
    super(`no pod CIDR left for host ${hostId}: all ${n} /${plan.nodeCIDRMaskSize} ranges of GANTRY_CLUSTER_CIDR ${plan.clusterCIDR.text} are held by other hosts (revoke hosts that are gone, or give a larger cluster CIDR or a longer GANTRY_NODE_CIDR_MASK)`);
  }
}

/** Whether `text` is a range this plan hands out (inside the cluster CIDR, of the node mask size). */
export function fitsPlan(text: string | null, plan: ClusterNetworkConfig): boolean {
  const c = text ? parseCidr(text) : null;
  return !!c && c.prefix === plan.nodeCIDRMaskSize && cidrContains(plan.clusterCIDR, c.base);
}

/** The lowest range of the plan not in `taken`; null when none is left. Pure. */
export function firstFreeRange(plan: ClusterNetworkConfig, taken: Iterable<string>): string | null {
  const used = new Set(taken);
  const step = 2 ** (32 - plan.nodeCIDRMaskSize);
  const end = plan.clusterCIDR.base + cidrSize(plan.clusterCIDR);
  for (let base = plan.clusterCIDR.base; base < end; base += step) {
    const text = `${numberToIpv4(base)}/${plan.nodeCIDRMaskSize}`;
    if (!used.has(text)) return text;
  }
  return null;
}

/**
 * The host's pod CIDR, given now when it has none that fits the plan. Null for a host that is unknown or revoked.
 * Throws PodCidrExhaustedError when the cluster CIDR is used up.
 */
export async function allocatePodCidr(hostId: number, plan: ClusterNetworkConfig): Promise<string | null> {
  const current = await db.host.findFirst({ where: { id: hostId, revokedAt: null }, select: { podCIDR: true } });
  if (!current) return null;
  if (fitsPlan(current.podCIDR, plan)) return current.podCIDR;
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(${POD_CIDR_LOCK_KEY}::bigint)::text AS locked`;
    const host = await tx.host.findFirst({ where: { id: hostId, revokedAt: null }, select: { podCIDR: true } });
    if (!host) return null;
    if (fitsPlan(host.podCIDR, plan)) return host.podCIDR;
    const taken = await tx.host.findMany({ where: { podCIDR: { not: null }, id: { not: hostId } }, select: { podCIDR: true } });
    const next = firstFreeRange(plan, taken.map((t) => t.podCIDR!));
    if (!next) {
      // Taken by a range of an earlier plan: freed, so the host does not keep one no peer can route.
      if (host.podCIDR) await tx.host.update({ where: { id: hostId }, data: { podCIDR: null } });
      throw new PodCidrExhaustedError(hostId, plan);
    }
    await tx.host.update({ where: { id: hostId }, data: { podCIDR: next } });
    return next;
  });
}
