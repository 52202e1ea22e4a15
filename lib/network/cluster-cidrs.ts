// The cluster's address plan (issue 14), read once from the control plane's environment: the pod network every host's
// pod subnet is cut from (GANTRY_CLUSTER_CIDR, default 10.244.0.0/16, one /GANTRY_NODE_CIDR_MASK — default /24 — per
// host), the range Services' virtual IPs come from (GANTRY_SERVICE_CIDR, default 10.96.0.0/12), the NodePort range
// (GANTRY_NODE_PORT_RANGE, default 30000-32767) and the DNS domain (cluster.local). Ranges that overlap each other are
// refused at start with a message naming both variables.
export interface Cidr {
  /** The network address as a 32-bit unsigned number. */
  base: number;
  prefix: number;
  text: string;
}

export interface ClusterNetworkConfig {
  clusterCIDR: Cidr;
  serviceCIDR: Cidr;
  nodeCIDRMaskSize: number;
  nodePortRange: { min: number; max: number };
  clusterDomain: string;
}

export class ClusterNetworkConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function ipv4ToNumber(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** "10.244.0.0/16" → its base and prefix; null when it is not an IPv4 CIDR or has host bits set. */
export function parseCidr(text: string): Cidr | null {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return null;
  const base = ipv4ToNumber(m[1]!);
  const prefix = Number(m[2]);
  if (base === null || prefix > 32) return null;
  if ((base & ~maskOf(prefix)) >>> 0 !== 0) return null;
  return { base, prefix, text: `${numberToIpv4(base)}/${prefix}` };
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return ((ip & maskOf(cidr.prefix)) >>> 0) === cidr.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return ((a.base & maskOf(prefix)) >>> 0) === ((b.base & maskOf(prefix)) >>> 0);
}

/** How many addresses the range holds. */
export const cidrSize = (c: Cidr) => 2 ** (32 - c.prefix);

function readCidr(env: Env, name: string, fallback: string): Cidr {
  const raw = env[name];
  const cidr = parseCidr(raw === undefined || raw === "" ? fallback : raw);
  if (!cidr) throw new ClusterNetworkConfigError(`${name} must be an IPv4 network such as ${fallback} (no host bits set), got "${raw}"`);
  return cidr;
}

export function loadClusterNetworkConfig(env: Env = process.env): ClusterNetworkConfig {
  const clusterCIDR = readCidr(env, "GANTRY_CLUSTER_CIDR", "10.244.0.0/16");
  const serviceCIDR = readCidr(env, "GANTRY_SERVICE_CIDR", "10.96.0.0/12");
  if (cidrsOverlap(clusterCIDR, serviceCIDR))
    throw new ClusterNetworkConfigError(`GANTRY_CLUSTER_CIDR (${clusterCIDR.text}) and GANTRY_SERVICE_CIDR (${serviceCIDR.text}) overlap: pods and Services need ranges of their own`);
  if (serviceCIDR.prefix > 28) throw new ClusterNetworkConfigError(`GANTRY_SERVICE_CIDR (${serviceCIDR.text}) is too small: /28 at most`);
  const rawMask = env.GANTRY_NODE_CIDR_MASK;
  const nodeCIDRMaskSize = rawMask === undefined || rawMask === "" ? 24 : Number(rawMask);
  if (!Number.isInteger(nodeCIDRMaskSize) || nodeCIDRMaskSize < clusterCIDR.prefix || nodeCIDRMaskSize > 28)
    throw new ClusterNetworkConfigError(`GANTRY_NODE_CIDR_MASK must be a prefix length between ${clusterCIDR.prefix} (GANTRY_CLUSTER_CIDR's) and 28, got "${rawMask}"`);
  const rawPorts = env.GANTRY_NODE_PORT_RANGE ?? "30000-32767";
  const pm = /^(\d{1,5})-(\d{1,5})$/.exec(rawPorts.trim());
  const nodePortRange = pm ? { min: Number(pm[1]), max: Number(pm[2]) } : null;
  if (!nodePortRange || nodePortRange.min < 1 || nodePortRange.max > 65535 || nodePortRange.min > nodePortRange.max)
    throw new ClusterNetworkConfigError(`GANTRY_NODE_PORT_RANGE must be "MIN-MAX" within 1-65535, got "${rawPorts}"`);
  return { clusterCIDR, serviceCIDR, nodeCIDRMaskSize, nodePortRange, clusterDomain: "cluster.local" };
}
