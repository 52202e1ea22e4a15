// Address management for one bridge network, as pure functions over its record: the caller holds the service's
// lock and persists the record afterwards, so an address is never handed out twice — not to two concurrent
// requests (serialised), not across an agent restart (the allocation table is on disk before plumbing starts).
// The network address, the gateway (.1) and the broadcast address are never allocated. Addresses are handed out
// round-robin after the last one given, so a just-released address is the last to be reused (stale ARP entries
// in other containers then point nowhere rather than at the wrong container). With an ip-range they come from that
// part of the subnet only; auxiliary addresses (`--aux-address`) are never handed out, nor given as a fixed address.
import { conflict, badRequest, GantryError } from "../../lib/errors";
import { contains, firstHost, formatIPv4, lastHost, parseIPv4, parseRange, parseSubnet, requireIPv4 } from "./ipv4";
import { contains6, formatIPv6, lastOf6, parseIPv6, parseSubnet6, requireIPv6 } from "./ipv6";
import type { NetworkRecord } from "./types";

function rangeOf(net: NetworkRecord) {
  if (!net.subnet || !net.gateway) throw badRequest(`network ${net.name} has no IPv4 address pool`);
  const subnet = parseSubnet(net.subnet);
  let first = firstHost(subnet);
  let last = lastHost(subnet);
  // With an ip-range, addresses are picked from it only (still never the subnet's network or broadcast address).
  if (net.ipRange) {
    const r = parseRange(net.ipRange);
    first = Math.max(first, r.base);
    last = Math.min(last, r.base + 2 ** (32 - r.prefix) - 1);
  }
  const reserved = new Set(Object.values(net.auxAddresses ?? {}));
  return { subnet, first, last, gateway: parseIPv4(net.gateway)!, hosts: [firstHost(subnet), lastHost(subnet)] as const, reserved };
}

/** Allocates `requested` (or the next free address) to `owner`; returns it. Mutates `net.ipam`. */
export function allocateAddress(net: NetworkRecord, owner: string, requested?: string): string {
  const { subnet, first, last, gateway, hosts, reserved } = rangeOf(net);
  if (requested !== undefined) {
    const addr = requireIPv4(requested, "IPv4 address");
    // A fixed address may be anywhere in the subnet, inside the ip-range or not (as with dockerd).
    if (!contains(subnet, addr) || addr < hosts[0] || addr > hosts[1]) {
      throw badRequest(`invalid address ${requested}: it is not a usable address of network ${net.name} (${net.subnet})`);
    }
    if (addr === gateway) throw conflict(`Address already in use: ${requested} is the gateway of network ${net.name}`);
    if (reserved.has(requested)) throw conflict(`Address already in use: ${requested} is an auxiliary address of network ${net.name}`);
    const holder = net.ipam.allocated[requested];
    if (holder !== undefined) throw conflict(`Address already in use: ${requested} on network ${net.name}`);
    net.ipam.allocated[requested] = owner;
    return requested;
  }
  const size = last - first + 1;
  const after = net.ipam.last ? parseIPv4(net.ipam.last) : null;
  let candidate = after !== null && after >= first && after < last ? after + 1 : first;
  for (let i = 0; i < size; i++, candidate = candidate === last ? first : candidate + 1) {
    if (candidate === gateway) continue;
    const text = formatIPv4(candidate);
    if (reserved.has(text) || net.ipam.allocated[text] !== undefined) continue;
    net.ipam.allocated[text] = owner;
    net.ipam.last = text;
    return text;
  }
  throw new GantryError("unavailable", `no available IPv4 addresses on this network's address pools: ${net.name} (${net.id})`);
}

/** Releases `addr` if `owner` holds it; false when it was not held by them (nothing changes then). */
export function releaseAddress(net: NetworkRecord, addr: string, owner: string): boolean {
  if (net.ipam.allocated[addr] !== owner) return false;
  delete net.ipam.allocated[addr];
  return true;
}

/** The IPv6 half of a dual-stack network: `requested` or the next free address after the last one handed out. */
export function allocateAddress6(net: NetworkRecord, owner: string, requested?: string): string {
  const v6 = net.ipv6;
  if (!v6 || !net.enableIPv6) throw badRequest(`network ${net.name} has no IPv6 address pool (create it with --ipv6 and an IPv6 --subnet)`);
  const subnet = parseSubnet6(v6.subnet);
  const gateway = parseIPv6(v6.gateway)!;
  const first = subnet.base + 1n;
  const last = lastOf6(subnet);
  if (requested !== undefined) {
    const addr = requireIPv6(requested, "IPv6 address");
    if (!contains6(subnet, addr) || addr < first) throw badRequest(`invalid address ${requested}: it is not a usable address of network ${net.name} (${v6.subnet})`);
    const text = formatIPv6(addr);
    if (addr === gateway) throw conflict(`Address already in use: ${requested} is the gateway of network ${net.name}`);
    if (v6.allocated[text] !== undefined) throw conflict(`Address already in use: ${requested} on network ${net.name}`);
    v6.allocated[text] = owner;
    return text;
  }
  const after = v6.last ? parseIPv6(v6.last) : null;
  let candidate = after !== null && after >= first && after < last ? after + 1n : first;
  // Only the gateway and taken addresses are skipped: past that many, the pool is full.
  for (let skipped = 0, taken = Object.keys(v6.allocated).length + 1; skipped <= taken; skipped++) {
    const text = formatIPv6(candidate);
    if (candidate !== gateway && v6.allocated[text] === undefined) {
      v6.allocated[text] = owner;
      v6.last = text;
      return text;
    }
    candidate = candidate === last ? first : candidate + 1n;
  }
  throw new GantryError("unavailable", `no available IPv6 addresses on this network's address pools: ${net.name} (${net.id})`);
}

export function releaseAddress6(net: NetworkRecord, addr: string, owner: string): boolean {
  if (!net.ipv6 || net.ipv6.allocated[addr] !== owner) return false;
  delete net.ipv6.allocated[addr];
  return true;
}
