// The agent's network engine: Docker's networks on one host without dockerd or CNI — Linux bridges, veth pairs,
// iptables NAT and an embedded DNS server — for containers run by gantry-runtime in their own network namespace.
//
// Networks: "bridge" (the default, bridge device gantry0, 10.88.0.0/16 unless configured), "host" and "none" as
// Docker has them, and user-defined bridge networks (each its own Linux bridge gtr-<11 hex of the id>, a /24 from
// 10.89.0.0/16 unless a subnet is given, name resolution between their containers; dual-stack with an IPv6 subnet and
// --ipv6: an IPv6 address per container on the same bridge, no IPv6 routing beyond it). Records live in
// GANTRY_ROOT/networks/<id>.json; every device carries a label (ifalias "gantry:<instance>:…") and every rule sits
// in Gantry's own iptables chains, so `start()` reconciles: it recreates bridges and rules and reaps what it
// orphaned (veths of containers that are gone, their addresses and rules, stray namespaces).
//
// How the container lifecycle wires it (agent/main.ts builds one instance):
//   const networks = new NetworkService({ root: config.root, dnsUpstreams: "host", log });
//   await networks.start({ containerExists: (id) => containers.has(id) });   // before re-adopting containers
//   // create (per `--network`):
//   //   bridge/user network: const netns = await networks.createNetns(id);  → OCI linux.namespaces {type:"network", path: netns}
//   //                        await networks.attach(id, netns, "bridge", { containerName, aliases, ipv4, ports });
//   //   none:                same, with network "none" (only lo comes up)
//   //   host:                no network namespace in the OCI config; networks.attach(id, null, "host", …) records it
//   //   container:<other>:   OCI netns path = networks.netnsPathOf(other); nothing attached
//   //   bundle files:        networks.resolvConfFor(id), networks.hostsFileFor(id, { hostname })
//   // stop / rm:            await networks.detachAll(id); await networks.removeNetns(id)
//   // docker network connect/disconnect: attach/detach with networks.netnsPathOf(id)
//   // shutdown:             await networks.close()   (rules and links stay, ports keep answering)
// Errors are GantryError (lib/errors.ts): bad_request 400, not_found 404, conflict 409, forbidden 403.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { badRequest, conflict, forbidden, GantryError, notFound } from "../../lib/errors";
import { systemClock, type Clock } from "../clock";
import { buildHostsFile, embeddedResolvConf, filterHostResolvConf } from "./container-files";
import { DnsServer, parseUpstream, reverseName, TYPE_A, TYPE_AAAA, TYPE_PTR, type Resolver } from "./dns";
import { hostSys } from "../../native/node/sys";
import { ip, ipIn } from "./exec";
import { Firewall } from "./firewall";
import { allocateAddress, allocateAddress6, releaseAddress, releaseAddress6 } from "./ipam";
import { contains6, formatIPv6, formatSubnet6, overlaps6, parseSubnet6, requireIPv6 } from "./ipv6";
import { contains, firstHost, formatIPv4, formatSubnet, overlaps, parseIPv4, parseRange, parseSubnet, requireIPv4, subnetSize, type Subnet } from "./ipv4";
import { deleteLink, enableForwarding, ensureBridge, ensureBridge6, hairpinOn, listLinks, loopbackUp, macFor, parseMac, plumbVeth, setDefaultRoute, type LinkInfo } from "./links";
import { forgetOwner, OWNERS_DIR, ownerGone, readOwner, recordOwner } from "./owners";
import { KeyedMutex, Mutex } from "./mutex";
import { PortReservations, validatePortBinding } from "./ports";
import type { AttachOptions, EndpointInfo, EndpointRecord, NetworkInfo, NetworkRecord, PortBinding } from "./types";

export interface NetworkServiceOptions {
  /** GANTRY_ROOT: records go to <root>/networks. */
  root: string;
  /** Subnet of the default "bridge" network (default 10.88.0.0/16). */
  defaultSubnet?: string;
  /** Bridge device of the default network (default gantry0). */
  defaultBridge?: string;
  /** Pool carved into /24s for user-defined networks created without a subnet (default 10.89.0.0/16). */
  userPool?: string;
  /**
   * Prefix of Gantry's iptables chains: GANTRY for the default bridge gantry0, GANTRY_<6 hex of the bridge's name>
   * for any other. Chains follow the bridge, like the rules in them: agents on different bridges never rewrite each
   * other's rules, and an agent that takes over a bridge (its owner gone) reuses its chains instead of adding a set.
   */
  chainPrefix?: string;
  /** Where engines record who they are, so another can tell whether a bridge's owner still exists (agent/network/owners.ts). */
  ownersDir?: string;
  /** Embedded DNS on user-defined networks (default true), and its port (53; tests of the engine keep 53). */
  dns?: boolean;
  dnsPort?: number;
  /**
   * Where the embedded DNS forwards names that are not containers — only names with a dot (a single label can
   * only be a container) and reverse lookups outside Gantry's subnets: "host" (the nameservers of the host's
   * resolv.conf — asked from the root namespace, so a loopback resolver works too), a list ("10.0.0.2",
   * "127.0.0.1:5353"), or none (the default: unknown names are NXDOMAIN, nothing leaves the host). A production
   * agent should pass "host" so containers on user networks can resolve outside names, as with Docker.
   */
  dnsUpstreams?: "host" | string[];
  /** Host resolver configuration copied for containers without embedded DNS (default /etc/resolv.conf). */
  hostResolvConf?: string;
  hostHosts?: string;
  /**
   * Names the cluster answers (agent/services/cluster-dns.ts: <svc>.<ns>.svc.cluster.local, …), asked before the
   * containers' names on every address the embedded DNS listens on; null: not a cluster name.
   */
  clusterNames?: Resolver;
  clock?: Clock;
  log?: (msg: string) => void;
}

export interface StartOptions {
  /** Whether the lifecycle still knows a container; endpoints, addresses and rules of others are reaped. */
  containerExists: (containerId: string) => boolean | Promise<boolean>;
}

export interface ReconcileReport {
  /** Endpoints dropped because their container is gone or its namespace no longer exists. */
  endpoints: string[];
  /** Labelled links no record explains (veths, bridges), deleted. */
  links: string[];
  /** Named namespaces of containers that are gone, deleted. */
  namespaces: string[];
  /** Address reservations of containers that are gone, released. */
  addresses: string[];
}

export interface ListFilters {
  name?: string[];
  id?: string[];
  driver?: string[];
  /** "key" or "key=value". */
  label?: string[];
  /** "builtin" or "custom". */
  type?: string[];
}

const STANDARD_ROOT = "/var/lib/gantry";
const DEFAULT_BRIDGE = "gantry0";
const rootTag = (root: string) => createHash("sha256").update(root).digest("hex").slice(0, 8);

/** The chains of a bridge: GANTRY for gantry0, GANTRY_<6 hex of its name> for any other. */
export function defaultChainPrefix(bridge: string): string {
  return bridge === DEFAULT_BRIDGE ? "GANTRY" : `GANTRY_${createHash("sha256").update(bridge).digest("hex").slice(0, 6).toUpperCase()}`;
}

/** The chains an owner used before chains followed the bridge: GANTRY_<6 hex of its root> (GANTRY for the standard root). */
const legacyChainPrefix = (instance: string) => `GANTRY_${instance.slice(0, 6).toUpperCase()}`;

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const DNS_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,252}[a-zA-Z0-9_])?$/;
const NETNS_DIR = "/run/netns";

function validateContainerId(id: string) {
  if (!CONTAINER_ID.test(id)) throw badRequest(`invalid container id "${id}"`);
}

const LINK_LOCAL = parseSubnet("169.254.0.0/16");

export class NetworkService {
  readonly root: string;
  /** Distinguishes this agent's devices from another agent's (another GANTRY_ROOT) on the same host. */
  readonly instance: string;
  private readonly dir: string;
  private readonly opts: Required<Omit<NetworkServiceOptions, "log" | "clock" | "clusterNames">>;
  private readonly clusterNames: Resolver | null;
  private readonly chainPrefixConfigured: boolean;
  private readonly clock: Clock;
  private readonly log: (msg: string) => void;
  private readonly networks = new Map<string, NetworkRecord>();
  private readonly mutex = new Mutex();
  private readonly perContainer = new KeyedMutex();
  private readonly firewall: Firewall;
  private readonly ports = new PortReservations();
  private readonly dnsServers = new Map<string, DnsServer>();
  private started = false;

  constructor(options: NetworkServiceOptions) {
    this.root = options.root;
    this.dir = join(options.root, "networks");
    this.opts = {
      root: options.root,
      defaultSubnet: options.defaultSubnet ?? "10.88.0.0/16",
      defaultBridge: options.defaultBridge ?? DEFAULT_BRIDGE,
      userPool: options.userPool ?? "10.89.0.0/16",
      chainPrefix: options.chainPrefix ?? defaultChainPrefix(options.defaultBridge ?? DEFAULT_BRIDGE),
      ownersDir: options.ownersDir ?? OWNERS_DIR,
      dns: options.dns ?? true,
      dnsPort: options.dnsPort ?? 53,
      dnsUpstreams: options.dnsUpstreams ?? [],
      hostResolvConf: options.hostResolvConf ?? "/etc/resolv.conf",
      hostHosts: options.hostHosts ?? "/etc/hosts",
    };
    parseSubnet(this.opts.defaultSubnet);
    const pool = parseSubnet(this.opts.userPool);
    if (pool.prefix > 24) throw badRequest(`user network pool ${this.opts.userPool} must be a /24 or larger`);
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(this.opts.defaultBridge)) {
      throw badRequest(`invalid bridge name "${this.opts.defaultBridge}" (at most 15 characters)`);
    }
    if (this.opts.dnsUpstreams !== "host") {
      for (const u of this.opts.dnsUpstreams) {
        try {
          parseUpstream(u);
        } catch (e) {
          throw badRequest((e as Error).message);
        }
      }
    }
    this.chainPrefixConfigured = options.chainPrefix !== undefined;
    this.clusterNames = options.clusterNames ?? null;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => {});
    this.instance = rootTag(this.root);
    this.firewall = new Firewall(this.opts.chainPrefix, { dns: this.opts.dns });
  }

  private label(kind: "bridge" | "veth", id: string) {
    return `gantry:${this.instance}:${kind}:${id}`;
  }

  /** Prefix of this agent's iptables chains. */
  get chainPrefix() {
    return this.opts.chainPrefix;
  }

  /** Named namespaces live at /run/netns/<prefix><container id>. */
  get netnsPrefix() {
    return `gantry-${this.instance}-`;
  }

  // ---------------------------------------------------------------- start / reconcile

  /** Loads the records, recreates bridges, rules and DNS servers, and reaps what a crash or a removed container left. */
  async start(startOpts: StartOptions): Promise<ReconcileReport> {
    return this.mutex.run(async () => {
      await mkdir(this.dir, { recursive: true });
      await this.load();
      await this.ensureBuiltins();
      this.recordSelf();
      await this.removeLegacyChains();
      const report = await this.reconcile(startOpts);
      for (const net of this.networks.values()) if (net.driver === "bridge") await this.ensureDevice(net);
      await this.repairEndpoints(report);
      for (const net of this.networks.values()) {
        for (const ep of Object.values(net.endpoints)) {
          const unheld = ep.ports.filter((b) => !this.ports.isHeld(b));
          if (!unheld.length) continue;
          await this.ports.reserveAll(unheld).catch((e) => this.log(`cannot hold published ports of ${ep.containerId}: ${(e as Error).message}`));
        }
      }
      this.firewall.recheckHooks();
      await this.syncFirewall();
      for (const net of this.networks.values()) await this.startDns(net);
      this.started = true;
      return report;
    });
  }

  /** This engine in the owners' records, so another agent finding its bridge can tell it is alive. */
  private recordSelf() {
    try {
      recordOwner(this.opts.ownersDir, { instance: this.instance, root: this.root, bridge: this.opts.defaultBridge, chainPrefix: this.opts.chainPrefix });
    } catch (e) {
      this.log(`cannot record this agent in ${this.opts.ownersDir}: ${(e as Error).message}`);
    }
  }

  /** Chains this root had before they followed the bridge (GANTRY_<hash of the root>): replaced, so removed. */
  private async removeLegacyChains() {
    if (this.chainPrefixConfigured || this.root === STANDARD_ROOT) return;
    const legacy = legacyChainPrefix(this.instance);
    if (legacy === this.opts.chainPrefix) return;
    const old = new Firewall(legacy, { dns: this.opts.dns });
    if (!(await old.exists())) return;
    await old.removeAll();
    this.log(`removed this agent's iptables chains of an earlier version (${legacy}-*): they are ${this.opts.chainPrefix}-* now`);
  }

  private async load() {
    this.networks.clear();
    for (const entry of await readdir(this.dir)) {
      const file = join(this.dir, entry);
      if (entry.endsWith(".tmp")) {
        await unlink(file).catch(() => {});
        continue;
      }
      if (!entry.endsWith(".json")) continue;
      try {
        const rec = JSON.parse(await readFile(file, "utf8")) as NetworkRecord;
        this.networks.set(rec.id, rec);
      } catch (e) {
        this.log(`ignoring unreadable network record ${file}: ${(e as Error).message}`);
      }
    }
  }

  private async persist(net: NetworkRecord) {
    const file = join(this.dir, `${net.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(net, null, 1) + "\n", { mode: 0o600 });
    await rename(tmp, file);
  }

  private newRecord(name: string, driver: NetworkRecord["driver"], extra: Partial<NetworkRecord> = {}): NetworkRecord {
    return {
      id: randomBytes(32).toString("hex"),
      name,
      driver,
      builtin: false,
      userSubnet: false,
      internal: false,
      created: new Date(this.clock.now()).toISOString(),
      labels: {},
      options: {},
      bridge: null,
      subnet: null,
      gateway: null,
      ipam: { allocated: {}, last: null },
      endpoints: {},
      ...extra,
    };
  }

  private async ensureBuiltins() {
    const subnet = parseSubnet(this.opts.defaultSubnet);
    const bridge = this.findByName("bridge");
    if (!bridge) {
      const rec = this.newRecord("bridge", "bridge", {
        builtin: true,
        bridge: this.opts.defaultBridge,
        subnet: formatSubnet(subnet),
        gateway: formatIPv4(firstHost(subnet)),
        options: { "com.docker.network.bridge.name": this.opts.defaultBridge },
      });
      this.networks.set(rec.id, rec);
      await this.persist(rec);
    } else if (bridge.subnet !== formatSubnet(subnet) || bridge.bridge !== this.opts.defaultBridge) {
      if (Object.keys(bridge.endpoints).length || Object.keys(bridge.ipam.allocated).length) {
        this.log(`default network keeps ${bridge.subnet} on ${bridge.bridge}: containers are attached (configured: ${this.opts.defaultSubnet} on ${this.opts.defaultBridge})`);
      } else {
        if (bridge.bridge && bridge.bridge !== this.opts.defaultBridge) await deleteLink(bridge.bridge);
        bridge.subnet = formatSubnet(subnet);
        bridge.gateway = formatIPv4(firstHost(subnet));
        bridge.bridge = this.opts.defaultBridge;
        bridge.options = { "com.docker.network.bridge.name": this.opts.defaultBridge };
        await this.persist(bridge);
      }
    }
    for (const [name, driver] of [["host", "host"], ["none", "null"]] as const) {
      if (this.findByName(name)) continue;
      const rec = this.newRecord(name, driver, { builtin: true });
      this.networks.set(rec.id, rec);
      await this.persist(rec);
    }
  }

  private async reconcile(opts: StartOptions): Promise<ReconcileReport> {
    const report: ReconcileReport = { endpoints: [], links: [], namespaces: [], addresses: [] };
    const alive = new Map<string, boolean>();
    const exists = async (id: string) => {
      if (!alive.has(id)) alive.set(id, Boolean(await opts.containerExists(id)));
      return alive.get(id)!;
    };
    for (const net of this.networks.values()) {
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
        this.log(`reaped endpoint of ${gone ? "removed container" : "container whose namespace is gone"} ${ep.containerId} on ${net.name}`);
      }
      for (const table of [net.ipam.allocated, net.ipv6?.allocated ?? {}]) {
        for (const [addr, owner] of Object.entries(table)) {
          if (await exists(owner)) continue;
          delete table[addr];
          changed = true;
          report.addresses.push(`${addr}@${net.name}`);
        }
      }
      if (changed) await this.persist(net);
    }
    const knownVeths = new Set<string>();
    const knownBridges = new Set<string>();
    for (const net of this.networks.values()) {
      if (net.bridge) knownBridges.add(net.bridge);
      for (const ep of Object.values(net.endpoints)) if (ep.hostVeth) knownVeths.add(ep.hostVeth);
    }
    const mine = `gantry:${this.instance}:`;
    for (const link of await listLinks()) {
      if (!link.alias?.startsWith(mine)) continue;
      const kind = link.alias.slice(mine.length).split(":")[0];
      const orphan = kind === "veth" ? !knownVeths.has(link.name) : kind === "bridge" ? !knownBridges.has(link.name) : false;
      if (!orphan) continue;
      await deleteLink(link.name);
      report.links.push(link.name);
      this.log(`reaped orphaned ${kind} ${link.name}`);
    }
    if (existsSync(NETNS_DIR)) {
      for (const name of await readdir(NETNS_DIR)) {
        if (!name.startsWith(this.netnsPrefix)) continue;
        const id = name.slice(this.netnsPrefix.length);
        if (await exists(id)) continue;
        await ip("netns", "del", name).catch((e) => this.log(`cannot delete namespace ${name}: ${(e as Error).message}`));
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
  private async repairEndpoints(report: ReconcileReport) {
    const links = new Map((await listLinks()).map((l) => [l.name, l]));
    for (const net of this.networks.values()) {
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
          ep.ifName = await plumbVeth({
            netnsPath: ep.netnsPath,
            hostVeth: ep.hostVeth,
            alias: this.label("veth", ep.containerId),
            bridge: net.bridge!,
            ifIndex: Number.isInteger(index) ? index : 0,
            ipv4: ep.ipv4,
            prefixLen: parseSubnet(net.subnet!).prefix,
            mac: ep.mac ?? macFor(ep.ipv4),
            gateway: net.gateway!,
            defaultRoute: ep.defaultRoute,
            linkLocal: ep.linkLocal,
            ...this.v6Plan(net, ep),
            ...(net.pod ? { mtu: net.pod.mtu, hairpin: true } : {}),
          });
          changed = true;
          this.log(`re-created the veth of ${ep.containerId} on ${net.name}`);
        } catch (e) {
          this.log(`endpoint of ${ep.containerId} on ${net.name} cannot be repaired, dropping it: ${(e as Error).message}`);
          await deleteLink(ep.hostVeth).catch(() => {});
          releaseEndpointAddresses(net, ep);
          delete net.endpoints[ep.containerId];
          report.endpoints.push(`${ep.containerId}@${net.name}`);
          changed = true;
        }
      }
      if (changed) await this.persist(net);
    }
  }

  /** The IPv6 half of a veth plan, for an endpoint with an IPv6 address. */
  private v6Plan(net: NetworkRecord, ep: EndpointRecord) {
    if (!ep.ipv6 || !net.ipv6) return {};
    return { ipv6: { addr: ep.ipv6, prefixLen: parseSubnet6(net.ipv6.subnet).prefix, gateway: net.ipv6.gateway } };
  }

  private async ensureDevice(net: NetworkRecord) {
    const subnet = parseSubnet(net.subnet!);
    const links = await listLinks();
    const existing = links.find((l) => l.name === net.bridge);
    const owner = /^gantry:([0-9a-f]{8}):bridge:/.exec(existing?.alias ?? "")?.[1];
    if (owner && owner !== this.instance) await this.takeOver(net.bridge!, owner, links);
    await ensureBridge(net.bridge!, `${net.gateway}/${subnet.prefix}`, this.label("bridge", net.id));
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
  private async takeOver(bridge: string, owner: string, links: LinkInfo[]) {
    const record = readOwner(this.opts.ownersDir, owner);
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
    if (prefix !== this.opts.chainPrefix && /^[A-Z][A-Z0-9_]{0,15}$/.test(prefix)) {
      const old = new Firewall(prefix, { dns: true });
      if ((chains = await old.exists())) await old.removeAll();
    }
    forgetOwner(this.opts.ownersDir, owner);
    this.log(
      `reclaimed bridge ${bridge} from a Gantry agent that is gone (${gone})` +
        (theirs.length ? `: removed ${theirs.length} interface(s) of its containers` : "") +
        (chains ? `${theirs.length ? " and" : ":"} its iptables chains ${prefix}-*` : ""),
    );
  }

  private syncFirewall() {
    return this.firewall.sync(() => [...this.networks.values()]);
  }

  private async startDns(net: NetworkRecord) {
    // The pod network is built in, and has its DNS server too: pods' resolv.conf names its gateway (ClusterFirst).
    if (!this.opts.dns || net.driver !== "bridge" || (net.builtin && !net.pod) || this.dnsServers.has(net.id)) return;
    const server = new DnsServer(net.gateway!, this.dnsResolver(net.id), this.log, this.opts.dnsPort, await this.upstreams());
    try {
      await server.listen();
      this.dnsServers.set(net.id, server);
    } catch (e) {
      this.log(`no name resolution on network ${net.name}: cannot listen on ${net.gateway}:${this.opts.dnsPort}: ${(e as Error).message}`);
    }
  }

  /**
   * The embedded DNS on an address that is no network's gateway — the pod bridge's (agent/network/overlay.ts makes
   * the bridge): cluster names, then upstream as on the other networks. Stopped by close(); a second call is a no-op.
   */
  async serveDns(address: string): Promise<void> {
    requireIPv4(address, "DNS address");
    const key = `addr:${address}`;
    if (!this.opts.dns || this.dnsServers.has(key)) return;
    const server = new DnsServer(address, this.dnsResolver(key), this.log, this.opts.dnsPort, await this.upstreams());
    await server.listen();
    this.dnsServers.set(key, server);
  }

  private async upstreams(): Promise<string[]> {
    if (this.opts.dnsUpstreams !== "host") return this.opts.dnsUpstreams;
    const text = await readFile(this.opts.hostResolvConf, "utf8").catch(() => "");
    return [...text.matchAll(/^\s*nameserver\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$/gm)].map((m) => m[1]);
  }

  private async stopDns(netId: string) {
    const s = this.dnsServers.get(netId);
    this.dnsServers.delete(netId);
    await s?.close();
  }

  /** Stops the DNS servers and lets go of port reservations; links, rules and records stay (containers keep working). */
  async close(): Promise<void> {
    await this.mutex.run(async () => {
      for (const id of [...this.dnsServers.keys()]) await this.stopDns(id);
      for (const net of this.networks.values()) for (const ep of Object.values(net.endpoints)) await this.ports.releaseAll(ep.ports);
      this.started = false;
    });
  }

  /**
   * Removes everything this engine made on the host — endpoints' veths, all its bridges (the default one too), its
   * iptables chains and the named namespaces — and forgets the records. For uninstalling and for tests.
   */
  async uninstall(): Promise<void> {
    await this.close();
    await this.mutex.run(async () => {
      if (!this.networks.size) await this.load().catch(() => {}); // not started: what the records say it made
      const links = await listLinks();
      const mine = `gantry:${this.instance}:`;
      // A bridge another agent has taken over since (labelled by it) is that agent's now, and so are the chains
      // when it uses the same names.
      const takenBy = (name: string) => {
        const alias = links.find((l) => l.name === name)?.alias;
        return alias?.startsWith("gantry:") && !alias.startsWith(mine) ? alias.split(":")[1]! : null;
      };
      for (const net of this.networks.values()) {
        for (const ep of Object.values(net.endpoints)) if (ep.hostVeth) await deleteLink(ep.hostVeth).catch(() => {});
        if (net.bridge && !takenBy(net.bridge)) await deleteLink(net.bridge).catch(() => {});
      }
      for (const link of await listLinks()) if (link.alias?.startsWith(mine)) await deleteLink(link.name).catch(() => {});
      const successor = takenBy(this.opts.defaultBridge);
      const successorPrefix = successor ? (readOwner(this.opts.ownersDir, successor)?.chainPrefix ?? this.opts.chainPrefix) : null;
      if (successorPrefix !== this.opts.chainPrefix) await this.firewall.removeAll();
      forgetOwner(this.opts.ownersDir, this.instance);
      if (existsSync(NETNS_DIR)) {
        for (const name of await readdir(NETNS_DIR)) {
          if (name.startsWith(this.netnsPrefix)) await ip("netns", "del", name).catch(() => {});
        }
      }
      this.networks.clear();
      await rm(this.dir, { recursive: true, force: true });
    });
  }

  private requireStarted() {
    if (!this.started) throw new GantryError("unavailable", "the network engine is not started (call start() first)");
  }

  // ---------------------------------------------------------------- networks

  private findByName(name: string) {
    for (const n of this.networks.values()) if (n.name === name) return n;
    return undefined;
  }

  /** By exact name, full id, or unambiguous id prefix — Docker's order. */
  private lookup(ref: string): NetworkRecord {
    if (typeof ref !== "string" || ref === "") throw badRequest("a network name or id is required");
    const byName = this.findByName(ref);
    if (byName) return byName;
    const exact = this.networks.get(ref);
    if (exact) return exact;
    const matches = [...this.networks.values()].filter((n) => n.id.startsWith(ref.toLowerCase()));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw badRequest(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    throw new GantryError("not_found", `network ${ref} not found`);
  }

  async create(
    name: string,
    opts: {
      driver?: string;
      subnet?: string;
      gateway?: string;
      /** Hand out addresses from this part of the subnet only. */
      ipRange?: string;
      /** Addresses never handed out, by name. */
      auxAddresses?: Record<string, string>;
      /** Dual stack: containers get an address of `subnet6` too (its gateway `gateway6`, ::1 of it unless given). */
      enableIPv6?: boolean;
      subnet6?: string;
      gateway6?: string;
      labels?: Record<string, string>;
      internal?: boolean;
      options?: Record<string, string>;
    } = {},
  ): Promise<NetworkInfo> {
    this.requireStarted();
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
    return this.mutex.run(async () => {
      if (this.findByName(name)) throw conflict(`network with name ${name} already exists`);
      let subnet: Subnet;
      if (opts.subnet !== undefined) {
        subnet = parseSubnet(opts.subnet);
        for (const other of this.networks.values()) {
          if (other.subnet && overlaps(subnet, parseSubnet(other.subnet))) {
            throw conflict(`invalid pool request: Pool overlaps with other one on this address space (${formatSubnet(subnet)} overlaps ${other.name}'s ${other.subnet})`);
          }
        }
      } else {
        subnet = await this.pickSubnet();
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
        for (const other of this.networks.values()) {
          if (other.ipv6 && overlaps6(s6, parseSubnet6(other.ipv6.subnet))) {
            throw conflict(`invalid pool request: Pool overlaps with other one on this address space (${formatSubnet6(s6)} overlaps ${other.name}'s ${other.ipv6.subnet})`);
          }
        }
        const gw6 = opts.gateway6 === undefined ? s6.base + 1n : requireIPv6(opts.gateway6, "IPv6 gateway");
        if (!contains6(s6, gw6) || gw6 === s6.base) throw badRequest(`IPv6 gateway ${opts.gateway6} is not a usable address of subnet ${formatSubnet6(s6)}`);
        ipv6 = { subnet: formatSubnet6(s6), gateway: formatIPv6(gw6), allocated: {}, last: null };
      }
      const rec = this.newRecord(name, "bridge", {
        enableIPv6: Boolean(opts.enableIPv6),
        ipv6,
        userSubnet: opts.subnet !== undefined,
        internal: Boolean(opts.internal),
        labels: { ...(opts.labels ?? {}) },
        options: { ...(opts.options ?? {}) },
        subnet: formatSubnet(subnet),
        gateway: formatIPv4(gateway),
        ipRange,
        auxAddresses,
      });
      rec.bridge = `gtr-${rec.id.slice(0, 11)}`;
      this.networks.set(rec.id, rec);
      try {
        await this.persist(rec);
        await this.ensureDevice(rec);
        await this.syncFirewall();
        await this.startDns(rec);
      } catch (e) {
        this.networks.delete(rec.id);
        await unlink(join(this.dir, `${rec.id}.json`)).catch(() => {});
        await deleteLink(rec.bridge).catch(() => {});
        await this.syncFirewall().catch(() => {});
        throw e;
      }
      this.log(`created network ${name} (${rec.subnet} on ${rec.bridge})`);
      return this.info(rec);
    });
  }

  /** The first /24 of the pool that overlaps neither another network nor a route on the host. */
  private async pickSubnet(): Promise<Subnet> {
    const pool = parseSubnet(this.opts.userPool);
    const taken: Subnet[] = [];
    for (const n of this.networks.values()) if (n.subnet) taken.push(parseSubnet(n.subnet));
    const routes = JSON.parse(await ip("-j", "-4", "route", "show", "table", "all")) as { dst?: string; type?: string }[];
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
    throw new GantryError("unavailable", `could not find an available, non-overlapping IPv4 address pool among ${this.opts.userPool}`);
  }

  /**
   * The pod network (agent/network/overlay.ts): a built-in bridge network on this host's pod CIDR, gateway .1, with
   * the overlay's MTU, cluster-CIDR traffic left unmasqueraded, and the embedded DNS server on its gateway. Made, or
   * brought to `spec` — a moved range is taken only once no pod is on the old one (until then this refuses).
   */
  async ensurePodNetwork(spec: { name: string; bridge: string; subnet: string; clusterCIDR: string; mtu: number }): Promise<NetworkInfo> {
    this.requireStarted();
    const subnet = parseSubnet(spec.subnet);
    parseSubnet(spec.clusterCIDR);
    return this.mutex.run(async () => {
      let rec = this.findByName(spec.name);
      const gateway = formatIPv4(firstHost(subnet));
      if (rec && (rec.subnet !== formatSubnet(subnet) || rec.bridge !== spec.bridge)) {
        const attached = Object.keys(rec.endpoints).length;
        if (attached) throw conflict(`the pod network is ${rec.subnet} on ${rec.bridge} with ${attached} pod(s) on it: it moves to ${formatSubnet(subnet)} once they are gone`);
        await this.stopDns(rec.id);
        if (rec.bridge) await deleteLink(rec.bridge);
        rec.subnet = formatSubnet(subnet);
        rec.gateway = gateway;
        rec.bridge = spec.bridge;
        rec.ipam = { allocated: {}, last: null };
      }
      for (const other of this.networks.values()) {
        if (other !== rec && other.subnet && overlaps(subnet, parseSubnet(other.subnet)))
          throw conflict(`this host's pod CIDR ${formatSubnet(subnet)} overlaps network ${other.name}'s ${other.subnet}: give that network another subnet`);
      }
      if (!rec) {
        rec = this.newRecord(spec.name, "bridge", { builtin: true, bridge: spec.bridge, subnet: formatSubnet(subnet), gateway });
        this.networks.set(rec.id, rec);
      }
      rec.pod = { clusterCIDR: spec.clusterCIDR, mtu: spec.mtu };
      rec.options = { "com.docker.network.bridge.name": spec.bridge, "com.docker.network.driver.mtu": String(spec.mtu) };
      await this.persist(rec);
      await this.ensureDevice(rec);
      await this.syncFirewall();
      await this.startDns(rec);
      return this.info(rec);
    });
  }

  async list(filters: ListFilters = {}): Promise<NetworkInfo[]> {
    this.requireStarted();
    const match = (n: NetworkRecord) => {
      if (filters.name?.length && !filters.name.some((f) => n.name.includes(f))) return false;
      if (filters.id?.length && !filters.id.some((f) => n.id.startsWith(f))) return false;
      if (filters.driver?.length && !filters.driver.includes(n.driver)) return false;
      if (filters.type?.length && !filters.type.includes(n.builtin ? "builtin" : "custom")) return false;
      if (filters.label?.length) {
        for (const l of filters.label) {
          const eq = l.indexOf("=");
          const [k, v] = eq < 0 ? [l, undefined] : [l.slice(0, eq), l.slice(eq + 1)];
          if (!(k in n.labels) || (v !== undefined && n.labels[k] !== v)) return false;
        }
      }
      return true;
    };
    return [...this.networks.values()].filter(match).sort((a, b) => a.name.localeCompare(b.name)).map((n) => this.info(n));
  }

  async inspect(ref: string): Promise<NetworkInfo> {
    this.requireStarted();
    return this.info(this.lookup(ref));
  }

  private info(n: NetworkRecord): NetworkInfo {
    const prefixLen = n.subnet ? parseSubnet(n.subnet).prefix : null;
    const containers: NetworkInfo["containers"] = {};
    for (const ep of Object.values(n.endpoints)) {
      containers[ep.containerId] = {
        name: ep.containerName, ipv4: ep.ipv4, prefixLen: ep.ipv4 ? prefixLen : null, ipv6: ep.ipv6 ?? null,
        prefixLen6: ep.ipv6 && n.ipv6 ? parseSubnet6(n.ipv6.subnet).prefix : null, mac: ep.mac, aliases: [...ep.aliases],
      };
    }
    return {
      id: n.id,
      name: n.name,
      driver: n.driver,
      builtin: n.builtin,
      scope: "local",
      internal: n.internal,
      created: n.created,
      labels: { ...n.labels },
      options: { ...n.options },
      bridge: n.bridge,
      subnet: n.subnet,
      gateway: n.gateway,
      ipRange: n.ipRange ?? null,
      auxAddresses: { ...(n.auxAddresses ?? {}) },
      enableIPv6: Boolean(n.enableIPv6),
      subnet6: n.ipv6?.subnet ?? null,
      gateway6: n.ipv6?.gateway ?? null,
      containers,
    };
  }

  async remove(ref: string): Promise<void> {
    this.requireStarted();
    await this.mutex.run(async () => {
      const net = this.lookup(ref);
      if (net.builtin) throw forbidden(`${net.name} is a pre-defined network and cannot be removed`);
      const attached = Object.keys(net.endpoints);
      if (attached.length) {
        throw conflict(`error while removing network: network ${net.name} id ${net.id} has active endpoints (${attached.map((c) => c.slice(0, 12)).join(", ")})`);
      }
      this.networks.delete(net.id);
      await unlink(join(this.dir, `${net.id}.json`));
      await this.stopDns(net.id);
      if (net.bridge) await deleteLink(net.bridge);
      await this.syncFirewall();
      this.log(`removed network ${net.name}`);
    });
  }

  /** Removes user-defined networks without containers (`docker network prune`); returns their names. */
  async prune(): Promise<string[]> {
    const unused = (await this.list({ type: ["custom"] })).filter((n) => Object.keys(n.containers).length === 0);
    const removed: string[] = [];
    for (const n of unused) {
      try {
        await this.remove(n.id);
        removed.push(n.name);
      } catch (e) {
        if (!(e instanceof GantryError && (e.code === "conflict" || e.code === "not_found"))) throw e;
      }
    }
    return removed;
  }

  // ---------------------------------------------------------------- addresses

  /** Reserves an address (the next free one, or `requested`) on a network for a container, persisted before returning. */
  async allocateAddress(networkRef: string, containerId: string, requested?: string): Promise<string> {
    this.requireStarted();
    validateContainerId(containerId);
    return this.mutex.run(async () => {
      const net = this.lookup(networkRef);
      if (net.driver !== "bridge") throw badRequest(`network ${net.name} has no address pool`);
      const addr = allocateAddress(net, containerId, requested);
      await this.persist(net);
      return addr;
    });
  }

  /** Gives back an address `containerId` holds; a not-found error if it does not hold it. */
  async releaseAddress(networkRef: string, containerId: string, addr: string): Promise<void> {
    this.requireStarted();
    await this.mutex.run(async () => {
      const net = this.lookup(networkRef);
      if (!releaseAddress(net, addr, containerId)) throw notFound(`address ${addr} held by ${containerId} on network ${net.name}`);
      await this.persist(net);
    });
  }

  // ---------------------------------------------------------------- namespaces

  /** Creates a named network namespace for a container (before it starts); the OCI config joins its path. */
  async createNetns(containerId: string): Promise<string> {
    validateContainerId(containerId);
    const name = this.netnsPrefix + containerId;
    const path = join(NETNS_DIR, name);
    if (!existsSync(path)) await hostSys().createNetns(path);
    return path;
  }

  async removeNetns(containerId: string): Promise<void> {
    validateContainerId(containerId);
    await hostSys().deleteNetns(join(NETNS_DIR, this.netnsPrefix + containerId));
  }

  /**
   * The namespace a container's network lives in, for `--network container:<id>` (joined by path). For a container
   * on the host network that is the agent's own namespace (the host's), as with Docker.
   */
  netnsPathOf(containerId: string): string {
    validateContainerId(containerId);
    for (const net of this.networks.values()) {
      const ep = net.endpoints[containerId];
      if (ep?.netnsPath) return ep.netnsPath;
      if (ep && net.driver === "host") return `/proc/${process.pid}/ns/net`;
    }
    const named = join(NETNS_DIR, this.netnsPrefix + containerId);
    if (existsSync(named)) return named;
    throw notFound(`network namespace of container ${containerId}`);
  }

  // ---------------------------------------------------------------- endpoints

  /**
   * Connects a container's namespace to a network: a veth pair whose inner end becomes eth0 (eth1, … for further
   * networks) with an address from the network's pool, a default route via the gateway when the namespace has
   * none yet, lo up, and the published ports' DNAT rules. "none" only brings lo up; "host" records the container
   * (its `netnsPath` is null: it has no namespace of its own).
   */
  async attach(containerId: string, netnsPath: string | null, networkRef: string, opts: AttachOptions): Promise<EndpointInfo> {
    this.requireStarted();
    validateContainerId(containerId);
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
    return this.perContainer.run(containerId, async () => {
      const { net, ep } = await this.mutex.run(async () => {
        const net = this.lookup(networkRef);
        if (net.endpoints[containerId]) throw conflict(`endpoint with name ${containerName} already exists in network ${net.name}`);
        const others = [...this.networks.values()].filter((n) => n.endpoints[containerId]);
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
        const ep: EndpointRecord = {
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
          created: new Date(this.clock.now()).toISOString(),
        };
        net.endpoints[containerId] = ep;
        await this.persist(net);
        return { net, ep };
      });

      let reservedPorts: PortBinding[] = [];
      try {
        if (net.driver === "bridge") {
          // The first name no other endpoint of this container uses; plumbVeth moves on if the namespace has it.
          const used = new Set<string>();
          for (const n of this.networks.values()) {
            const o = n.endpoints[containerId];
            if (o?.ifName && o.netnsPath === ep.netnsPath) used.add(o.ifName);
          }
          let index = 0;
          while (used.has(`eth${index}`)) index++;
          ep.ifName = await plumbVeth({
            netnsPath: ep.netnsPath!,
            hostVeth: ep.hostVeth!,
            alias: this.label("veth", containerId),
            bridge: net.bridge!,
            ifIndex: index,
            ipv4: ep.ipv4!,
            prefixLen: parseSubnet(net.subnet!).prefix,
            mac: ep.mac!,
            gateway: net.gateway!,
            defaultRoute: ep.defaultRoute,
            linkLocal: ep.linkLocal,
            ...this.v6Plan(net, ep),
            ...(net.pod ? { mtu: net.pod.mtu, hairpin: true } : {}),
          });
          if (wanted.length) reservedPorts = await this.ports.reserveAll(wanted);
        } else if (net.driver === "null") {
          await loopbackUp(ep.netnsPath!);
        }
      } catch (e) {
        await this.ports.releaseAll(reservedPorts);
        if (ep.hostVeth) await deleteLink(ep.hostVeth).catch(() => {});
        await this.mutex.run(async () => {
          delete net.endpoints[containerId];
          releaseEndpointAddresses(net, ep);
          await this.persist(net);
        });
        throw e;
      }
      await this.mutex.run(async () => {
        ep.ports = reservedPorts;
        await this.persist(net);
      });
      if (reservedPorts.length) await this.syncFirewall();
      return this.endpointInfo(net, ep);
    });
  }

  /** Disconnects a container from a network: its veth, address, ports and rules go; another gateway takes the default route. */
  async detach(containerId: string, networkRef: string, opts: { namespaceGoing?: boolean } = {}): Promise<void> {
    this.requireStarted();
    validateContainerId(containerId);
    await this.perContainer.run(containerId, async () => {
      const net = this.lookup(networkRef);
      const ep = net.endpoints[containerId];
      if (!ep) throw notFound(`container ${containerId} is not connected to the network ${net.name}; endpoint`);
      // A veth whose inner end is in the container's own namespace goes with it when that is deleted (the kernel
      // tears the pair down off the caller's path); deleting it here first would cost an ip(8) and rtnl's wait.
      const goesWithNamespace = opts.namespaceGoing && ep.netnsPath === join(NETNS_DIR, this.netnsPrefix + containerId);
      if (ep.hostVeth && !goesWithNamespace) await deleteLink(ep.hostVeth);
      await this.ports.releaseAll(ep.ports);
      let successor: { net: NetworkRecord; ep: EndpointRecord } | null = null;
      if (ep.defaultRoute) {
        for (const other of this.networks.values()) {
          const o = other.endpoints[containerId];
          if (other !== net && o?.ipv4 && o.ifName && o.netnsPath === ep.netnsPath) {
            successor = { net: other, ep: o };
            break;
          }
        }
        if (successor && existsSync(successor.ep.netnsPath!)) {
          await setDefaultRoute(successor.ep.netnsPath!, successor.net.gateway!, successor.ep.ifName!).catch((e) =>
            this.log(`cannot move the default route of ${containerId} to ${successor!.net.name}: ${(e as Error).message}`),
          );
        }
      }
      await this.mutex.run(async () => {
        delete net.endpoints[containerId];
        releaseEndpointAddresses(net, ep);
        await this.persist(net);
        if (successor) {
          successor.ep.defaultRoute = true;
          await this.persist(successor.net);
        }
      });
      if (ep.ports.length) await this.syncFirewall();
    });
  }

  /**
   * Detaches the container from every network (stop, rm), and releases any address it still reserves. With
   * `namespaceGoing` the caller deletes the container's namespace right after (removeNetns), which takes its veths.
   */
  async detachAll(containerId: string, opts: { namespaceGoing?: boolean } = {}): Promise<void> {
    this.requireStarted();
    validateContainerId(containerId);
    for (const net of [...this.networks.values()]) {
      if (net.endpoints[containerId]) await this.detach(containerId, net.id, opts);
    }
    await this.mutex.run(async () => {
      for (const net of this.networks.values()) {
        let held = 0;
        for (const table of [net.ipam.allocated, net.ipv6?.allocated ?? {}]) {
          for (const [addr, owner] of Object.entries(table)) if (owner === containerId) (delete table[addr], held++);
        }
        if (held) await this.persist(net);
      }
    });
  }

  /** Keeps DNS answering to a renamed container's new name. */
  async renameContainer(containerId: string, newName: string): Promise<void> {
    validateContainerId(containerId);
    if (!DNS_NAME.test(newName.replace(/^\//, ""))) throw badRequest(`invalid container name "${newName}"`);
    await this.mutex.run(async () => {
      for (const net of this.networks.values()) {
        const ep = net.endpoints[containerId];
        if (!ep) continue;
        ep.containerName = newName.replace(/^\//, "");
        await this.persist(net);
      }
    });
  }

  private endpointInfo(net: NetworkRecord, ep: EndpointRecord): EndpointInfo {
    return {
      networkId: net.id,
      networkName: net.name,
      containerId: ep.containerId,
      hostVeth: ep.hostVeth,
      ifName: ep.ifName,
      ipv4: ep.ipv4,
      prefixLen: ep.ipv4 && net.subnet ? parseSubnet(net.subnet).prefix : null,
      gateway: ep.ipv4 ? net.gateway : null,
      ipv6: ep.ipv6 ?? null,
      prefixLen6: ep.ipv6 && net.ipv6 ? parseSubnet6(net.ipv6.subnet).prefix : null,
      gateway6: ep.ipv6 && net.ipv6 ? net.ipv6.gateway : null,
      mac: ep.mac,
      linkLocal: [...(ep.linkLocal ?? [])],
      aliases: [...ep.aliases],
      dnsNames: net.builtin ? [] : dnsNamesOf(ep),
      ports: ep.ports.map((p) => ({ ...p })),
    };
  }

  /** The container's endpoints, in the order they were attached (inspect's NetworkSettings). */
  endpointsOf(containerId: string): EndpointInfo[] {
    const out: { created: string; info: EndpointInfo }[] = [];
    for (const net of this.networks.values()) {
      const ep = net.endpoints[containerId];
      if (ep) out.push({ created: ep.created, info: this.endpointInfo(net, ep) });
    }
    return out.sort((a, b) => a.created.localeCompare(b.created)).map((o) => o.info);
  }

  /** Published ports with their host ports resolved (`docker port`). */
  portsOf(containerId: string): PortBinding[] {
    return this.endpointsOf(containerId).flatMap((e) => e.ports);
  }

  // ---------------------------------------------------------------- names

  private dnsResolver(serverNetId: string): Resolver {
    const containers = this.containerResolver(serverNetId);
    const cluster = this.clusterNames;
    if (!cluster) return containers;
    return (q) => cluster(q) ?? containers(q);
  }

  private containerResolver(serverNetId: string): Resolver {
    return ({ name, type, asker }) => {
      const q = name.replace(/\.$/, "").toLowerCase();
      let scope = [...this.networks.values()].filter((n) => !n.builtin && Object.values(n.endpoints).some((e) => e.ipv4 === asker));
      if (scope.length === 0) scope = [this.networks.get(serverNetId)].filter((n): n is NetworkRecord => Boolean(n));
      // A single-label name can only be a container: never asked upstream. Nor can an address of Gantry's subnets.
      const local = !q.includes(".");
      if (type === TYPE_PTR) {
        const addr = reverseName(q);
        if (!addr) return null;
        for (const n of scope) for (const e of Object.values(n.endpoints)) if (e.ipv4 === addr) return { ptr: [`${e.containerName}.${n.name}`] };
        const ours = [...this.networks.values()].some((n) => n.subnet && contains(parseSubnet(n.subnet), parseIPv4(addr) ?? -1));
        return ours ? "nxdomain" : null;
      }
      const addrs: string[] = [];
      const addrs6: string[] = [];
      for (const n of scope) {
        // A link alias (`--link name:alias`) means the linked container, to the container that has the link only.
        const self = Object.values(n.endpoints).find((e) => e.ipv4 === asker);
        const linked = Object.entries(self?.links ?? {}).find(([alias]) => alias.toLowerCase() === q)?.[1].toLowerCase();
        for (const e of Object.values(n.endpoints)) {
          if (!e.ipv4 || !dnsNamesOf(e).some((d) => d.toLowerCase() === q || d.toLowerCase() === linked)) continue;
          addrs.push(e.ipv4);
          if (e.ipv6) addrs6.push(e.ipv6);
        }
      }
      if (addrs.length === 0) return local ? "nxdomain" : null;
      if (type === TYPE_A) return { a: [...new Set(addrs)] };
      return type === TYPE_AAAA ? { aaaa: [...new Set(addrs6)] } : {};
    };
  }

  /**
   * /etc/resolv.conf for the container: its networks' embedded DNS, or the host's resolvers (loopback ones dropped,
   * as dockerd does). `--dns`, `--dns-search` and `--dns-option` replace the host's values; on a user-defined network
   * the embedded server stays the nameserver (Docker's behaviour) and only search and options are taken.
   */
  async resolvConfFor(containerId: string, opts: { dns?: string[]; dnsSearch?: string[]; dnsOptions?: string[] } = {}): Promise<string> {
    validateContainerId(containerId);
    for (const d of opts.dns ?? []) requireIPv4(d, "--dns server");
    for (const d of opts.dnsSearch ?? []) if (!/^[a-zA-Z0-9.-]{1,253}$/.test(d)) throw badRequest(`invalid --dns-search domain "${d}"`);
    for (const o of opts.dnsOptions ?? []) if (!/^[a-zA-Z0-9_:.-]{1,64}$/.test(o)) throw badRequest(`invalid --dns-option "${o}"`);
    const eps = this.endpointsOf(containerId);
    const hostText = await readFile(this.opts.hostResolvConf, "utf8").catch(() => "");
    const custom = Boolean(opts.dns?.length || opts.dnsSearch?.length || opts.dnsOptions?.length);
    const isHost = eps.some((e) => this.lookup(e.networkId).driver === "host");
    if (!isHost && this.opts.dns) {
      const gateways = eps.filter((e) => !this.lookup(e.networkId).builtin && this.dnsServers.has(e.networkId)).map((e) => e.gateway!);
      if (gateways.length) return embeddedResolvConf(gateways, opts.dnsSearch ?? [], opts.dnsOptions ?? []);
    }
    const base = isHost ? hostText : filterHostResolvConf(hostText);
    if (!custom) return base;
    const kept = base.split("\n").filter((line) => {
      const key = /^\s*(\w+)/.exec(line)?.[1];
      if (key === "nameserver" && opts.dns?.length) return false;
      if ((key === "search" || key === "domain") && opts.dnsSearch?.length) return false;
      if (key === "options" && opts.dnsOptions?.length) return false;
      return line.trim() !== "";
    });
    for (const d of opts.dns ?? []) kept.push(`nameserver ${d}`);
    if (opts.dnsSearch?.length) kept.push(`search ${opts.dnsSearch.join(" ")}`);
    if (opts.dnsOptions?.length) kept.push(`options ${opts.dnsOptions.join(" ")}`);
    return kept.join("\n") + "\n";
  }

  /** /etc/hosts for the container (Docker's layout), with its own address for its hostname; the host's for host networking. */
  async hostsFileFor(
    containerId: string,
    opts: { hostname: string; domainname?: string; extraHosts?: { name: string; ip: string }[]; links?: { ip: string; names: string[] }[] },
  ): Promise<string> {
    validateContainerId(containerId);
    const eps = this.endpointsOf(containerId);
    if (eps.some((e) => this.lookup(e.networkId).driver === "host")) return readFile(this.opts.hostHosts, "utf8").catch(() => "");
    return buildHostsFile({ ...opts, ipv4: eps.find((e) => e.ipv4)?.ipv4 ?? null, ipv6: eps.find((e) => e.ipv6)?.ipv6 ?? null });
  }

  /** For diagnostics and tests: Gantry's rules as iptables lists them. */
  listedRules() {
    return this.firewall.listed();
  }
}

function releaseEndpointAddresses(net: NetworkRecord, ep: EndpointRecord) {
  if (ep.ipv4) releaseAddress(net, ep.ipv4, ep.containerId);
  if (ep.ipv6) releaseAddress6(net, ep.ipv6, ep.containerId);
}

function dnsNamesOf(ep: EndpointRecord): string[] {
  const names = [ep.containerName, ...ep.aliases];
  if (/^[0-9a-f]{12,}$/.test(ep.containerId)) names.push(ep.containerId.slice(0, 12));
  return [...new Set(names)];
}
