// IPv6 addresses and subnets as bigints, for the IPv6 half of dual-stack networks. Parsed once at the boundary
// (user-given subnets, gateways and addresses), formatted in RFC 5952's canonical form (lower case, the longest run
// of zero groups as "::").
import { badRequest } from "../../lib/errors";

export interface Subnet6 {
  base: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

export function parseIPv6(text: string): bigint | null {
  if (typeof text !== "string" || !/^[0-9a-fA-F:]+$/.test(text) || text.length > 39) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...tail].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function formatIPv6(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups becomes "::" (the first such run on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export function requireIPv6(text: string, what: string): bigint {
  const n = parseIPv6(text);
  if (n === null) throw badRequest(`invalid ${what} "${text}": expected an IPv6 address like fd00::5`);
  return n;
}

const mask6 = (prefix: number) => (prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL);

/** "fd00:1::/64" → Subnet6. Host bits must be zero; prefixes /16 … /124 (room for a gateway and containers). */
export function parseSubnet6(text: string): Subnet6 {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text);
  const base = m ? parseIPv6(m[1]!) : null;
  const prefix = m ? Number(m[2]) : NaN;
  if (base === null || !(prefix >= 0 && prefix <= 128)) throw badRequest(`invalid subnet "${text}": expected IPv6 CIDR notation like fd00:1::/64`);
  if (prefix < 16 || prefix > 124) throw badRequest(`invalid subnet "${text}": the prefix length must be between /16 and /124`);
  if ((base & mask6(prefix)) !== base) throw badRequest(`invalid subnet "${text}": ${m![1]} has host bits set (did you mean ${formatIPv6(base & mask6(prefix))}/${prefix}?)`);
  return { base, prefix };
}

export const formatSubnet6 = (s: Subnet6) => `${formatIPv6(s.base)}/${s.prefix}`;
export const lastOf6 = (s: Subnet6) => s.base + (1n << BigInt(128 - s.prefix)) - 1n;
export const contains6 = (s: Subnet6, addr: bigint) => addr >= s.base && addr <= lastOf6(s);
export const overlaps6 = (a: Subnet6, b: Subnet6) => a.base <= lastOf6(b) && b.base <= lastOf6(a);
/** A text that looks like an IPv6 subnet (has a colon): the IPAM config entry it belongs to. */
export const isIPv6Text = (text: unknown) => typeof text === "string" && text.includes(":");
