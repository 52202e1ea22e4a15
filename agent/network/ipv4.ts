// IPv4 addresses and subnets as numbers. Parsed once at the boundary (user-given subnets, gateways and addresses);
// everything past it works on `Subnet` values.
import { badRequest } from "../../lib/errors";

export interface Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIPv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith("0")))) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function requireIPv4(text: string, what: string): number {
  const n = parseIPv4(text);
  if (n === null) throw badRequest(`invalid ${what} "${text}": expected an IPv4 address like 10.88.0.5`);
  return n;
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** "10.88.0.0/16" → Subnet. Host bits must be zero; prefixes /8 … /30 (a smaller one has no room for containers). */
export function parseSubnet(text: string): Subnet {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  const base = m ? parseIPv4(m[1]) : null;
  const prefix = m ? Number(m[2]) : NaN;
  if (base === null || !(prefix >= 0 && prefix <= 32)) {
    throw badRequest(`invalid subnet "${text}": expected IPv4 CIDR notation like 10.89.1.0/24`);
  }
  if (prefix < 8 || prefix > 30) throw badRequest(`invalid subnet "${text}": the prefix length must be between /8 and /30`);
  const aligned = (base & mask(prefix)) >>> 0;
  if (aligned !== base) {
    throw badRequest(`invalid subnet "${text}": ${m![1]} has host bits set (did you mean ${formatIPv4(aligned)}/${prefix}?)`);
  }
  return { base, prefix };
}

/** An address range inside a subnet (`--ip-range`): CIDR with host bits zero, any prefix up to /32. */
export function parseRange(text: string): Subnet {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  const base = m ? parseIPv4(m[1]) : null;
  const prefix = m ? Number(m[2]) : NaN;
  if (base === null || !(prefix >= 0 && prefix <= 32)) throw badRequest(`invalid ip-range "${text}": expected IPv4 CIDR notation like 10.89.1.128/25`);
  if (((base & mask(prefix)) >>> 0) !== base) throw badRequest(`invalid ip-range "${text}": ${m![1]} has host bits set`);
  return { base, prefix };
}

export const formatSubnet = (s: Subnet) => `${formatIPv4(s.base)}/${s.prefix}`;
export const subnetSize = (s: Subnet) => 2 ** (32 - s.prefix);
export const broadcastOf = (s: Subnet) => s.base + subnetSize(s) - 1;

export function contains(s: Subnet, addr: number): boolean {
  return addr >= s.base && addr <= broadcastOf(s);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base <= broadcastOf(b) && b.base <= broadcastOf(a);
}

/** First usable host: .1 in a /24, where Gantry puts the gateway. */
export const firstHost = (s: Subnet) => s.base + 1;
export const lastHost = (s: Subnet) => broadcastOf(s) - 1;
