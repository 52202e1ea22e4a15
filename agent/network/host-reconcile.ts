// The network engine against the host at start and at uninstall: the built-in networks brought to the configured
// bridge and subnet, records reconciled with the containers the lifecycle still knows (endpoints, addresses and
// named namespaces of gone ones reaped, labelled links no record explains deleted), damaged endpoints repaired,
// bridges made (or taken over from an agent that is gone), this engine recorded among the bridges' owners, chains of
// an earlier version removed — and, to uninstall, everything this engine made taken away again.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { conflict } from "../../lib/errors";
import { ip, ipIn } from "./exec";
import { Firewall } from "./firewall";
import { firstHost, formatIPv4, formatSubnet, parseSubnet } from "./ipv4";
import { parseSubnet6 } from "./ipv6";
import { deleteLink, enableForwarding, ensureBridge, ensureBridge6, hairpinOn, listLinks, macFor, plumbVeth, type LinkInfo } from "./links";
import { releaseEndpointAddresses, v6Plan } from "./network-plan";
import type { NetworkRecords } from "./network-records";
import { forgetOwner, ownerGone, readOwner, recordOwner } from "./owners";
import type { EndpointRecord, NetworkRecord, ReconcileReport, StartOptions } from "./types";

const STANDARD_ROOT = "/var/lib/gantry";
export const DEFAULT_BRIDGE = "gantry0";
export const NETNS_DIR = "/run/netns";

/** The chains of a bridge: GANTRY for gantry0, GANTRY_<6 hex of its name> for any other. */
export function defaultChainPrefix(bridge: string): string {
  return bridge === DEFAULT_BRIDGE ? "GANTRY" : `GANTRY_${createHash("sha256").update(bridge).digest("hex").slice(0, 6).toUpperCase()}`;
}

/** The chains an owner used before chains followed the bridge: GANTRY_<6 hex of its root> (GANTRY for the standard root). */
const legacyChainPrefix = (instance: string) => `GANTRY_${instance.slice(0, 6).toUpperCase()}`;

/** What the engine is on this host: its records, its names for devices and namespaces, its chains. */
export interface EngineHost {
  records: NetworkRecords;
  root: string;
  /** Distinguishes this agent's devices from another agent's (another GANTRY_ROOT) on the same host. */
  instance: string;
  ownersDir: string;
  defaultBridge: string;
  defaultSubnet: string;
  chainPrefix: string;
  /** The chain prefix was given (not derived from the bridge): no earlier version's chains to remove. */
  chainPrefixConfigured: boolean;
  dns: boolean;
  netnsPrefix: string;
  firewall: Firewall;
  log: (msg: string) => void;
}

/** The label (ifalias) of a device this engine made. */
export function deviceLabel(host: EngineHost, kind: "bridge" | "veth", id: string) {
  return `gantry:${host.instance}:${kind}:${id}`;
}

/** The default "bridge" network on the configured bridge and subnet (moved only while nothing is on it), "host" and "none". */
export async function ensureBuiltins(host: EngineHost) {
  const { records } = host;
  const subnet = parseSubnet(host.defaultSubnet);
  const bridge = records.findByName("bridge");
  if (!bridge) {
    const rec = records.newRecord("bridge", "bridge", {
      builtin: true,
      bridge: host.defaultBridge,
      subnet: formatSubnet(subnet),
      gateway: formatIPv4(firstHost(subnet)),
      options: { "com.docker.network.bridge.name": host.defaultBridge },
    });
    records.add(rec);
    await records.persist(rec);
  } else if (bridge.subnet !== formatSubnet(subnet) || bridge.bridge !== host.defaultBridge) {
    if (Object.keys(bridge.endpoints).length || Object.keys(bridge.ipam.allocated).length) {
      host.log(`default network keeps ${bridge.subnet} on ${bridge.bridge}: containers are attached (configured: ${host.defaultSubnet} on ${host.defaultBridge})`);
    } else {
      if (bridge.bridge && bridge.bridge !== host.defaultBridge) await deleteLink(bridge.bridge);
      bridge.subnet = formatSubnet(subnet);
      bridge.gateway = formatIPv4(firstHost(subnet));
      bridge.bridge = host.defaultBridge;
      bridge.options = { "com.docker.network.bridge.name": host.defaultBridge };
      await records.persist(bridge);
    }
  }
  for (const [name, driver] of [["host", "host"], ["none", "null"]] as const) {
    if (records.findByName(name)) continue;
    const rec = records.newRecord(name, driver, { builtin: true });
    records.add(rec);
    await records.persist(rec);
  }
}

/** This engine in the owners' records, so another agent finding its bridge can tell it is alive. */
export function recordSelf(host: EngineHost) {
  try {
    recordOwner(host.ownersDir, { instance: host.instance, root: host.root, bridge: host.defaultBridge, chainPrefix: host.chainPrefix });
  } catch (e) {
    host.log(`cannot record this agent in ${host.ownersDir}: ${(e as Error).message}`);
  }
}

/** Chains this root had before they followed the bridge (GANTRY_<hash of the root>): replaced, so removed. */
export async function removeLegacyChains(host: EngineHost) {
  if (host.chainPrefixConfigured || host.root === STANDARD_ROOT) return;
  const legacy = legacyChainPrefix(host.instance);
  if (legacy === host.chainPrefix) return;
  const old = new Firewall(legacy, { dns: host.dns });
  if (!(await old.exists())) return;
  await old.removeAll();
  host.log(`removed this agent's iptables chains of an earlier version (${legacy}-*): they are ${host.chainPrefix}-* now`);
}

export async function reconcile(host: EngineHost, opts: StartOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { endpoints: [], links: [], namespaces: [], addresses: [] };
  const alive = new Map<string, boolean>();
  const exists = async (id: string) => {
    if (!alive.has(id)) alive.set(id, Boolean(await opts.containerExists(id)));
    return alive.get(id)!;
  };
  for (const net of host.records.values()) {
    let changed = false;
    for (const ep of Object.values(net.endpoints)) {
      const gone = !(await exists(ep.containerId));
      const nsGone = ep.netnsPath !== null && !existsSync(ep.netnsPath);
      if (!gone && !nsGone) continue;
      if (ep.hostVeth) await deleteLink(ep.hostVeth);
      releaseEndpointAddresses(net, ep);
      delete net.endpoints[ep.containerId];
      changed = true;
      report.endpoints.push(`${ep.containerId}@${net.name}`);
      host.log(`reaped endpoint of ${gone ? "removed container" : "container whose namespace is gone"} ${ep.containerId} on ${net.name}`);
    }
    for (const table of [net.ipam.allocated, net.ipv6?.allocated ?? {}]) {
      for (const [addr, owner] of Object.entries(table)) {
        if (await exists(owner)) continue;
        delete table[addr];
        changed = true;
        report.addresses.push(`${addr}@${net.name}`);
      }
    }
    if (changed) await host.records.persist(net);
  }
  const knownVeths = new Set<string>();
  const knownBridges = new Set<string>();
  for (const net of host.records.values()) {
    if (net.bridge) knownBridges.add(net.bridge);
    for (const ep of Object.values(net.endpoints)) if (ep.hostVeth) knownVeths.add(ep.hostVeth);
  }
  const mine = `gantry:${host.instance}:`;
  for (const link of await listLinks()) {
    if (!link.alias?.startsWith(mine)) continue;
    const kind = link.alias.slice(mine.length).split(":")[0];
    const orphan = kind === "veth" ? !knownVeths.has(link.name) : kind === "bridge" ? !knownBridges.has(link.name) : false;
    if (!orphan) continue;
    await deleteLink(link.name);
    report.links.push(link.name);
    host.log(`reaped orphaned ${kind} ${link.name}`);
  }
  if (existsSync(NETNS_DIR)) {
    for (const name of await readdir(NETNS_DIR)) {
      if (!name.startsWith(host.netnsPrefix)) continue;
      const id = name.slice(host.netnsPrefix.length);
      if (await exists(id)) continue;
      await ip("netns", "del", name).catch((e) => host.log(`cannot delete namespace ${name}: ${(e as Error).message}`));
      report.namespaces.push(name);
    }
  }
  return report;
}

/**
 * Endpoints of live containers whose host side is damaged: a veth no longer on its bridge (the bridge was
 * recreated) is put back; a veth that is missing (deleted by hand, or a crash between recording and plumbing)
 * is made again in the container's namespace. An endpoint that cannot be repaired is dropped, its address freed.
 */
export async function repairEndpoints(host: EngineHost, report: ReconcileReport) {
  const links = new Map((await listLinks()).map((l) => [l.name, l]));
  for (const net of host.records.values()) {
    if (net.driver !== "bridge") continue;
    let changed = false;
    for (const ep of Object.values(net.endpoints)) {
      if (!ep.hostVeth || !ep.netnsPath || !ep.ipv4) continue;
      const link = links.get(ep.hostVeth);
      try {
        if (link) {
          if (link.master !== net.bridge) await ip("link", "set", "dev", ep.hostVeth, "master", net.bridge!, "up");
          // A pod's port made by an agent from before hairpin mode (or put back on the bridge just now).
          if (net.pod && (link.master !== net.bridge || link.hairpin === false)) await ip(...hairpinOn(ep.hostVeth));
          continue;
        }
        const index = ep.ifName ? Number(ep.ifName.slice(3)) : 0;
        if (ep.ifName) await ipIn(ep.netnsPath, "link", "del", "dev", ep.ifName).catch(() => {});
        ep.ifName = await plumbEndpoint(host, net, ep, Number.isInteger(index) ? index : 0);
        changed = true;
        host.log(`re-created the veth of ${ep.containerId} on ${net.name}`);
      } catch (e) {
        host.log(`endpoint of ${ep.containerId} on ${net.name} cannot be repaired, dropping it: ${(e as Error).message}`);
        await deleteLink(ep.hostVeth).catch(() => {});
        releaseEndpointAddresses(net, ep);
        delete net.endpoints[ep.containerId];
        report.endpoints.push(`${ep.containerId}@${net.name}`);
        changed = true;
      }
    }
    if (changed) await host.records.persist(net);
  }
}

/**
 * The veth pair of a bridge endpoint: its inner end eth<ifIndex> (or the next free name) in the container's namespace
 * with its addresses, MAC and routes, its host end on the network's bridge (hairpin on the pod network). Returns the
 * inner name.
 */
export function plumbEndpoint(host: EngineHost, net: NetworkRecord, ep: EndpointRecord, ifIndex: number): Promise<string> {
  return plumbVeth({
    netnsPath: ep.netnsPath!,
    hostVeth: ep.hostVeth!,
    alias: deviceLabel(host, "veth", ep.containerId),
    bridge: net.bridge!,
    ifIndex,
    ipv4: ep.ipv4!,
    prefixLen: parseSubnet(net.subnet!).prefix,
    mac: ep.mac ?? macFor(ep.ipv4!),
    gateway: net.gateway!,
    defaultRoute: ep.defaultRoute,
    linkLocal: ep.linkLocal,
    ...v6Plan(net, ep),
    ...(net.pod ? { mtu: net.pod.mtu, hairpin: true } : {}),
  });
}

/** A network's bridge, up with its gateway address (and IPv6 one), taken over first if another agent labelled it. */
export async function ensureDevice(host: EngineHost, net: NetworkRecord) {
  const subnet = parseSubnet(net.subnet!);
  const links = await listLinks();
  const existing = links.find((l) => l.name === net.bridge);
  const owner = /^gantry:([0-9a-f]{8}):bridge:/.exec(existing?.alias ?? "")?.[1];
  if (owner && owner !== host.instance) await takeOver(host, net.bridge!, owner, links);
  await ensureBridge(net.bridge!, `${net.gateway}/${subnet.prefix}`, deviceLabel(host, "bridge", net.id));
  if (net.pod) await ip("link", "set", "dev", net.bridge!, "mtu", String(net.pod.mtu));
  if (net.enableIPv6 && net.ipv6) await ensureBridge6(net.bridge!, `${net.ipv6.gateway}/${parseSubnet6(net.ipv6.subnet).prefix}`);
  if (!net.internal) await enableForwarding();
}

/**
 * A bridge another agent (another GANTRY_ROOT) labelled. While that agent exists and has containers on it, it is
 * not taken over: both would hand out the same addresses. One left with nothing on it is adopted. One whose owner
 * is gone (its process ended or its state directory removed) is reclaimed: the gone agent's interfaces on it are
 * removed, and so are its iptables chains when they had another name (their DNAT rules point into this subnet).
 */
async function takeOver(host: EngineHost, bridge: string, owner: string, links: LinkInfo[]) {
  const record = readOwner(host.ownersDir, owner);
  const gone = ownerGone(record);
  const theirs = links.filter((l) => l.master === bridge && l.alias?.startsWith(`gantry:${owner}:`));
  if (!gone) {
    if (!links.some((l) => l.master === bridge)) return;
    throw conflict(
      `bridge ${bridge} is in use by another Gantry agent (state in ${record!.root}, pid ${record!.pid}): give this agent its own bridge and subnet (GANTRY_BRIDGE, GANTRY_BRIDGE_SUBNET), or stop that agent and run gantry-agent uninstall --root ${record!.root}`,
    );
  }
  for (const l of theirs) await deleteLink(l.name);
  const prefix = record?.chainPrefix ?? legacyChainPrefix(owner);
  let chains = false;
  if (prefix !== host.chainPrefix && /^[A-Z][A-Z0-9_]{0,15}$/.test(prefix)) {
    const old = new Firewall(prefix, { dns: true });
    if ((chains = await old.exists())) await old.removeAll();
  }
  forgetOwner(host.ownersDir, owner);
  host.log(
    `reclaimed bridge ${bridge} from a Gantry agent that is gone (${gone})` +
      (theirs.length ? `: removed ${theirs.length} interface(s) of its containers` : "") +
      (chains ? `${theirs.length ? " and" : ":"} its iptables chains ${prefix}-*` : ""),
  );
}

/**
 * Removes everything this engine made on the host — endpoints' veths, all its bridges (the default one too), its
 * iptables chains and the named namespaces — and forgets the records.
 */
export async function removeEverything(host: EngineHost) {
  const { records } = host;
  if (!records.size) await records.load().catch(() => {}); // not started: what the records say it made
  const links = await listLinks();
  const mine = `gantry:${host.instance}:`;
  // A bridge another agent has taken over since (labelled by it) is that agent's now, and so are the chains
  // when it uses the same names.
  const takenBy = (name: string) => {
    const alias = links.find((l) => l.name === name)?.alias;
    return alias?.startsWith("gantry:") && !alias.startsWith(mine) ? alias.split(":")[1]! : null;
  };
  for (const net of records.values()) {
    for (const ep of Object.values(net.endpoints)) if (ep.hostVeth) await deleteLink(ep.hostVeth).catch(() => {});
    if (net.bridge && !takenBy(net.bridge)) await deleteLink(net.bridge).catch(() => {});
  }
  for (const link of await listLinks()) if (link.alias?.startsWith(mine)) await deleteLink(link.name).catch(() => {});
  const successor = takenBy(host.defaultBridge);
  const successorPrefix = successor ? (readOwner(host.ownersDir, successor)?.chainPrefix ?? host.chainPrefix) : null;
  if (successorPrefix !== host.chainPrefix) await host.firewall.removeAll();
  forgetOwner(host.ownersDir, host.instance);
  if (existsSync(NETNS_DIR)) {
    for (const name of await readdir(NETNS_DIR)) {
      if (name.startsWith(host.netnsPrefix)) await ip("netns", "del", name).catch(() => {});
    }
  }
  records.clear();
  await rm(records.dir, { recursive: true, force: true });
}

/** The named namespace path of a container. */
export function netnsPathFor(host: EngineHost, containerId: string) {
  return join(NETNS_DIR, host.netnsPrefix + containerId);
}
