// What a network or an endpoint will be, decided before anything is made on the host: `docker network create`'s
// checks and the new network's addresses (subnet, gateway, ip-range, aux addresses, the IPv6 half), the first free
// /24 of the user pool, and an endpoint's checks and addresses on attach. Pure over the records (address allocation
// writes the network's IPAM tables, which the caller persists); the engine (network-service.ts) holds the locks and
// does the plumbing.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { badRequest, conflict, GantryError } from "../../lib/errors";
import { allocateAddress, allocateAddress6, releaseAddress, releaseAddress6 } from "./ipam";
import { contains6, formatIPv6, formatSubnet6, overlaps6, parseSubnet6, requireIPv6 } from "./ipv6";
import { contains, firstHost, formatIPv4, formatSubnet, overlaps, parseIPv4, parseRange, parseSubnet, requireIPv4, subnetSize, type Subnet } from "./ipv4";
import { macFor, parseMac } from "./links";
import { validatePortBinding } from "./ports";
import type { AttachOptions, CreateNetworkOptions, EndpointRecord, NetworkRecord, PortBinding } from "./types";

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
export const DNS_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,252}[a-zA-Z0-9_])?$/;
const LINK_LOCAL = parseSubnet("169.254.0.0/16");

export function validateContainerId(id: string) {
  if (!CONTAINER_ID.test(id)) throw badRequest(`invalid container id "${id}"`);
}

// ---------------------------------------------------------------- networks

/** The checks of `docker network create` that need no records: the name, the driver, settings that need a subnet. */
export function checkCreateRequest(name: string, opts: CreateNetworkOptions) {
  // Any name dockerd takes (spaces, slashes, non-ASCII): it is a key, never a device or a path.
  if (typeof name !== "string" || name === "") throw badRequest("network name is required");
  const driver = opts.driver ?? "bridge";
  if (driver !== "bridge") {
    throw badRequest(`plugin "${driver}" not found: Gantry networks use the bridge driver (host and none are built in)`);
  }
  if (opts.gateway !== undefined && opts.subnet === undefined) throw badRequest("a gateway needs a subnet (--subnet) as well");
  if ((opts.ipRange !== undefined || Object.keys(opts.auxAddresses ?? {}).length) && opts.subnet === undefined) {
    throw badRequest("every ip-range or gateway must have a corresponding subnet");
  }
  if (opts.enableIPv6 && opts.subnet6 === undefined) {
    throw badRequest("could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network");
  }
  if (opts.gateway6 !== undefined && opts.subnet6 === undefined) throw badRequest("an IPv6 gateway needs an IPv6 subnet as well");
  for (const [k, v] of Object.entries(opts.labels ?? {})) {
    if (typeof v !== "string" || k === "") throw badRequest(`invalid label "${k}"`);
  }
}

/**
 * A new network's addresses — its subnet (the one given, checked against every other network's, or `pick()`), its
 * gateway, ip-range, aux addresses and IPv6 half — as the record's fields.
 */
export async function planNetworkAddresses(
  name: string,
  opts: CreateNetworkOptions,
  existing: Iterable<NetworkRecord>,
  pick: () => Promise<Subnet>,
): Promise<Pick<NetworkRecord, "subnet" | "gateway" | "ipRange" | "auxAddresses" | "ipv6">> {
  const others = [...existing];
  let subnet: Subnet;
  if (opts.subnet !== undefined) {
    subnet = parseSubnet(opts.subnet);
    for (const other of others) {
      if (other.subnet && overlaps(subnet, parseSubnet(other.subnet))) {
        throw conflict(`invalid pool request: Pool overlaps with other one on this address space (${formatSubnet(subnet)} overlaps ${other.name}'s ${other.subnet})`);
      }
    }
  } else {
    subnet = await pick();
  }
  let gateway = firstHost(subnet);
  if (opts.gateway !== undefined) {
    gateway = requireIPv4(opts.gateway, "gateway");
    if (!contains(subnet, gateway) || gateway === subnet.base || gateway === subnet.base + subnetSize(subnet) - 1) {
      throw badRequest(`gateway ${opts.gateway} is not a usable address of subnet ${formatSubnet(subnet)}`);
    }
  }
  let ipRange: string | null = null;
  if (opts.ipRange !== undefined) {
    const r = parseRange(opts.ipRange);
    if (r.prefix < subnet.prefix || !contains(subnet, r.base)) throw badRequest(`no matching subnet for range ${opts.ipRange}`);
    ipRange = formatSubnet(r);
  }
  const auxAddresses: Record<string, string> = {};
  for (const [key, addr] of Object.entries(opts.auxAddresses ?? {})) {
    const a = typeof addr === "string" ? parseIPv4(addr) : null;
    if (a === null) throw badRequest(`non parsable secondary ip address (${key}:${addr}) passed for network ${name}`);
    if (!contains(subnet, a)) throw badRequest(`auxiliary address: (${key}:${addr}) must belong to the master pool: ${formatSubnet(subnet)}`);
    if (a === gateway || Object.values(auxAddresses).includes(formatIPv4(a))) {
      throw conflict(`failed to allocate secondary ip address (${key}:${addr}): Address already in use`);
    }
    auxAddresses[key] = formatIPv4(a);
  }
  let ipv6: NetworkRecord["ipv6"] = null;
  if (opts.subnet6 !== undefined) {
    const s6 = parseSubnet6(opts.subnet6);
    for (const other of others) {
      if (other.ipv6 && overlaps6(s6, parseSubnet6(other.ipv6.subnet))) {
        throw conflict(`invalid pool request: Pool overlaps with other one on this address space (${formatSubnet6(s6)} overlaps ${other.name}'s ${other.ipv6.subnet})`);
      }
    }
    const gw6 = opts.gateway6 === undefined ? s6.base + 1n : requireIPv6(opts.gateway6, "IPv6 gateway");
    if (!contains6(s6, gw6) || gw6 === s6.base) throw badRequest(`IPv6 gateway ${opts.gateway6} is not a usable address of subnet ${formatSubnet6(s6)}`);
    ipv6 = { subnet: formatSubnet6(s6), gateway: formatIPv6(gw6), allocated: {}, last: null };
  }
  return { subnet: formatSubnet(subnet), gateway: formatIPv4(gateway), ipRange, auxAddresses, ipv6 };
}

/** The first /24 of `userPool` that overlaps neither another network nor a route on the host (`ip -j route`'s rows). */
export function firstFreeSubnet(userPool: string, existing: Iterable<NetworkRecord>, routes: { dst?: string; type?: string }[]): Subnet {
  const pool = parseSubnet(userPool);
  const taken: Subnet[] = [];
  for (const n of existing) if (n.subnet) taken.push(parseSubnet(n.subnet));
  for (const r of routes) {
    if (!r.dst || r.dst === "default" || (r.type && r.type !== "unicast")) continue;
    const [addr, len] = r.dst.split("/");
    const a = parseIPv4(addr);
    const p = len === undefined ? 32 : Number(len);
    if (a !== null && p >= 8) taken.push({ base: a, prefix: p });
  }
  for (let base = pool.base; base < pool.base + subnetSize(pool); base += 256) {
    const candidate = { base, prefix: 24 };
    if (!taken.some((t) => overlaps(candidate, t))) return candidate;
  }
  throw new GantryError("unavailable", `could not find an available, non-overlapping IPv4 address pool among ${userPool}`);
}

// ---------------------------------------------------------------- endpoints

/** An attach request's settings, checked and normalised (no records needed). */
export interface AttachRequest {
  containerName: string;
  aliases: string[];
  wanted: PortBinding[];
  mac: string | undefined;
  linkLocal: string[];
  links: Record<string, string>;
}

export function checkAttachOptions(opts: AttachOptions): AttachRequest {
  if (!opts || typeof opts.containerName !== "string" || !DNS_NAME.test(opts.containerName.replace(/^\//, ""))) {
    throw badRequest(`invalid container name "${opts?.containerName}"`);
  }
  const containerName = opts.containerName.replace(/^\//, "");
  const aliases = [...new Set(opts.aliases ?? [])];
  for (const a of aliases) if (typeof a !== "string" || !DNS_NAME.test(a)) throw badRequest(`invalid network alias "${a}"`);
  if (opts.ports !== undefined && !Array.isArray(opts.ports)) throw badRequest("ports must be a list of port bindings");
  const wanted: PortBinding[] = (opts.ports ?? []).map(validatePortBinding);
  const mac = opts.mac === undefined ? undefined : parseMac(opts.mac);
  const linkLocal = [...new Set(opts.linkLocalIPs ?? [])].map((a) => {
    const n = typeof a === "string" ? parseIPv4(a) : null;
    if (n === null || !contains(LINK_LOCAL, n)) throw badRequest(`invalid link local IP address: ${a}`);
    return formatIPv4(n);
  });
  const links: Record<string, string> = {};
  for (const [alias, target] of Object.entries(opts.links ?? {})) {
    if (!DNS_NAME.test(alias) || typeof target !== "string" || !DNS_NAME.test(target.replace(/^\//, ""))) throw badRequest(`invalid link ${target}:${alias}`);
    links[alias] = target.replace(/^\//, "");
  }
  return { containerName, aliases, wanted, mac, linkLocal, links };
}

/**
 * The endpoint a container gets on `net` (`others`: the networks it is on already): the checks that need the records
 * (host and none stand alone, a namespace where one is needed, ports and fixed addresses only where they can be), and
 * its addresses — the ones it holds already, or new ones from the network's pools (written to `net`'s IPAM tables).
 */
export function planEndpoint(
  net: NetworkRecord,
  others: NetworkRecord[],
  containerId: string,
  netnsPath: string | null,
  opts: AttachOptions,
  req: AttachRequest,
  created: string,
): EndpointRecord {
  const { containerName, aliases, wanted, mac, linkLocal, links } = req;
  if (net.endpoints[containerId]) throw conflict(`endpoint with name ${containerName} already exists in network ${net.name}`);
  const special = (n: NetworkRecord) => n.driver !== "bridge";
  if (others.length && (special(net) || others.some(special))) {
    const which = [net, ...others].find(special)!;
    throw conflict(
      which.driver === "host"
        ? "container cannot be disconnected from host network or connected to host network"
        : "container cannot be connected to multiple networks with one of the networks in private (none) mode",
    );
  }
  if (net.driver === "bridge" || net.driver === "null") {
    if (!netnsPath) throw badRequest(`attaching to network ${net.name} needs the container's network namespace path`);
    if (!existsSync(netnsPath)) throw badRequest(`network namespace ${netnsPath} does not exist`);
  }
  if (wanted.length && net.driver !== "bridge") throw badRequest(`ports cannot be published on network ${net.name} (${net.driver === "host" ? "host networking uses the host's ports directly" : "no networking"})`);
  if (opts.ipv6 !== undefined && !(net.driver === "bridge" && net.enableIPv6 && net.ipv6)) {
    throw badRequest(`network ${net.name} has no IPv6 address pool (create it with --ipv6 and an IPv6 --subnet)`);
  }
  if (opts.ipv4 !== undefined) {
    if (net.driver !== "bridge") throw badRequest(`network ${net.name} does not assign addresses`);
    if (!net.userSubnet) throw badRequest("user specified IP address is supported only when connecting to networks with user configured subnets");
  }
  let ipv4: string | null = null;
  if (net.driver === "bridge") {
    const held = Object.entries(net.ipam.allocated).find(([addr, owner]) => owner === containerId && (opts.ipv4 === undefined || addr === opts.ipv4));
    ipv4 = held ? held[0] : allocateAddress(net, containerId, opts.ipv4);
  }
  let ipv6: string | null = null;
  if (net.driver === "bridge" && net.enableIPv6 && net.ipv6) {
    const want = opts.ipv6 === undefined ? undefined : formatIPv6(requireIPv6(opts.ipv6, "IPv6 address"));
    const held = Object.entries(net.ipv6.allocated).find(([addr, owner]) => owner === containerId && (want === undefined || addr === want));
    try {
      ipv6 = held ? held[0] : allocateAddress6(net, containerId, want);
    } catch (e) {
      if (ipv4) releaseAddress(net, ipv4, containerId);
      throw e;
    }
  }
  const hasRoute = others.some((n) => n.endpoints[containerId].defaultRoute);
  return {
    containerId,
    containerName,
    aliases,
    netnsPath: net.driver === "host" ? null : netnsPath,
    hostVeth: net.driver === "bridge" ? `gv${randomBytes(6).toString("hex")}` : null,
    ifName: null,
    ipv4,
    ...(ipv6 ? { ipv6 } : {}),
    mac: ipv4 ? (mac ?? macFor(ipv4)) : null,
    ...(linkLocal.length && net.driver === "bridge" ? { linkLocal } : {}),
    ...(Object.keys(links).length && !net.builtin ? { links } : {}),
    ports: [],
    defaultRoute: net.driver === "bridge" && !hasRoute,
    staticIp: opts.ipv4 !== undefined,
    created,
  };
}

export function releaseEndpointAddresses(net: NetworkRecord, ep: EndpointRecord) {
  if (ep.ipv4) releaseAddress(net, ep.ipv4, ep.containerId);
  if (ep.ipv6) releaseAddress6(net, ep.ipv6, ep.containerId);
}

/** The IPv6 half of a veth plan, for an endpoint with an IPv6 address. */
export function v6Plan(net: NetworkRecord, ep: EndpointRecord) {
  if (!ep.ipv6 || !net.ipv6) return {};
  return { ipv6: { addr: ep.ipv6, prefixLen: parseSubnet6(net.ipv6.subnet).prefix, gateway: net.ipv6.gateway } };
}
