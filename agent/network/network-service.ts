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
//
// Why one file of ~600 lines: it is the engine's verbs and nothing else — each takes the
// records' mutex and the container's own lock in one order and puts the record write before or after the host's
// plumbing on purpose (an address is recorded before its veth exists, a failed plumbing undoes the record). Kept
// together, that order reads in one place. What a verb decides lives in network-plan.ts, the records in
// network-records.ts, start-time reconciling and the host's devices in host-reconcile.ts, names and the DNS servers
// in container-names.ts, resolv.conf and hosts in container-files.ts.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { badRequest, conflict, forbidden, GantryError, notFound } from "../../lib/errors";
import { systemClock, type Clock } from "../clock";
import { checkDnsFileOptions, buildHostsFile, composeResolvConf } from "./container-files";
import { containerResolver, EmbeddedDns, endpointInfo } from "./container-names";
import { parseUpstream, type Resolver } from "./dns";
import { hostSys } from "../../native/node/sys";
import { ip } from "./exec";
import { Firewall } from "./firewall";
import {
  DEFAULT_BRIDGE, defaultChainPrefix, ensureBuiltins, ensureDevice, NETNS_DIR, plumbEndpoint, reconcile, recordSelf, removeEverything,
  removeLegacyChains, repairEndpoints, type EngineHost,
} from "./host-reconcile";
import { allocateAddress, releaseAddress } from "./ipam";
import { firstHost, formatIPv4, formatSubnet, overlaps, parseSubnet, requireIPv4, type Subnet } from "./ipv4";
import { deleteLink, loopbackUp, setDefaultRoute } from "./links";
import { KeyedMutex, Mutex } from "./mutex";
import {
  checkAttachOptions, checkCreateRequest, DNS_NAME, firstFreeSubnet, planEndpoint, planNetworkAddresses, releaseEndpointAddresses,
  validateContainerId,
} from "./network-plan";
import { matchesListFilters, NetworkRecords, networkInfo } from "./network-records";
import { OWNERS_DIR } from "./owners";
import { PortReservations } from "./ports";
import type {
  AttachOptions, CreateNetworkOptions, DnsFileOptions, EndpointInfo, EndpointRecord, ListFilters, NetworkInfo, NetworkRecord,
  NetworkServiceOptions, PortBinding, ReconcileReport, StartOptions,
} from "./types";

export { defaultChainPrefix };
export type { ListFilters, NetworkServiceOptions, ReconcileReport, StartOptions };

const rootTag = (root: string) => createHash("sha256").update(root).digest("hex").slice(0, 8);

export class NetworkService {
  readonly root: string;
  /** Distinguishes this agent's devices from another agent's (another GANTRY_ROOT) on the same host. */
  readonly instance: string;
  private readonly opts: Required<Omit<NetworkServiceOptions, "log" | "clock" | "clusterNames">>;
  private readonly clusterNames: Resolver | null;
  private readonly clock: Clock;
  private readonly log: (msg: string) => void;
  private readonly records: NetworkRecords;
  private readonly host: EngineHost;
  private readonly mutex = new Mutex();
  private readonly perContainer = new KeyedMutex();
  private readonly firewall: Firewall;
  private readonly ports = new PortReservations();
  private readonly dns: EmbeddedDns;
  private started = false;

  constructor(options: NetworkServiceOptions) {
    this.root = options.root;
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
    this.clusterNames = options.clusterNames ?? null;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => {});
    this.instance = rootTag(this.root);
    this.firewall = new Firewall(this.opts.chainPrefix, { dns: this.opts.dns });
    this.dns = new EmbeddedDns({
      enabled: this.opts.dns,
      port: this.opts.dnsPort,
      upstreams: this.opts.dnsUpstreams,
      hostResolvConf: this.opts.hostResolvConf,
      resolver: (key) => this.dnsResolver(key),
      log: this.log,
    });
    this.records = new NetworkRecords(join(options.root, "networks"), this.clock, this.log);
    this.host = {
      records: this.records,
      root: this.root,
      instance: this.instance,
      ownersDir: this.opts.ownersDir,
      defaultBridge: this.opts.defaultBridge,
      defaultSubnet: this.opts.defaultSubnet,
      chainPrefix: this.opts.chainPrefix,
      chainPrefixConfigured: options.chainPrefix !== undefined,
      dns: this.opts.dns,
      netnsPrefix: this.netnsPrefix,
      firewall: this.firewall,
      log: this.log,
    };
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
      await mkdir(this.records.dir, { recursive: true });
      await this.records.load();
      await ensureBuiltins(this.host);
      recordSelf(this.host);
      await removeLegacyChains(this.host);
      const report = await reconcile(this.host, startOpts);
      for (const net of this.records.values()) if (net.driver === "bridge") await ensureDevice(this.host, net);
      await repairEndpoints(this.host, report);
      for (const net of this.records.values()) {
        for (const ep of Object.values(net.endpoints)) {
          const unheld = ep.ports.filter((b) => !this.ports.isHeld(b));
          if (!unheld.length) continue;
          await this.ports.reserveAll(unheld).catch((e) => this.log(`cannot hold published ports of ${ep.containerId}: ${(e as Error).message}`));
        }
      }
      this.firewall.recheckHooks();
      await this.syncFirewall();
      for (const net of this.records.values()) await this.startDns(net);
      this.started = true;
      return report;
    });
  }

  private syncFirewall() {
    return this.firewall.sync(() => [...this.records.values()]);
  }

  private startDns(net: NetworkRecord) {
    return this.dns.startFor(net);
  }

  /**
   * The embedded DNS on an address that is no network's gateway — the pod bridge's (agent/network/overlay.ts makes
   * the bridge): cluster names, then upstream as on the other networks. Stopped by close(); a second call is a no-op.
   */
  async serveDns(address: string): Promise<void> {
    requireIPv4(address, "DNS address");
    await this.dns.serve(address);
  }

  private stopDns(netId: string) {
    return this.dns.stop(netId);
  }

  /** Stops the DNS servers and lets go of port reservations; links, rules and records stay (containers keep working). */
  async close(): Promise<void> {
    await this.mutex.run(async () => {
      await this.dns.stopAll();
      for (const net of this.records.values()) for (const ep of Object.values(net.endpoints)) await this.ports.releaseAll(ep.ports);
      this.started = false;
    });
  }

  /**
   * Removes everything this engine made on the host — endpoints' veths, all its bridges (the default one too), its
   * iptables chains and the named namespaces — and forgets the records. For uninstalling and for tests.
   */
  async uninstall(): Promise<void> {
    await this.close();
    await this.mutex.run(() => removeEverything(this.host));
  }

  private requireStarted() {
    if (!this.started) throw new GantryError("unavailable", "the network engine is not started (call start() first)");
  }

  // ---------------------------------------------------------------- networks

  async create(name: string, opts: CreateNetworkOptions = {}): Promise<NetworkInfo> {
    this.requireStarted();
    checkCreateRequest(name, opts);
    return this.mutex.run(async () => {
      if (this.records.findByName(name)) throw conflict(`network with name ${name} already exists`);
      const addresses = await planNetworkAddresses(name, opts, this.records.values(), () => this.pickSubnet());
      const rec = this.records.newRecord(name, "bridge", {
        enableIPv6: Boolean(opts.enableIPv6),
        userSubnet: opts.subnet !== undefined,
        internal: Boolean(opts.internal),
        labels: { ...(opts.labels ?? {}) },
        options: { ...(opts.options ?? {}) },
        ...addresses,
      });
      rec.bridge = `gtr-${rec.id.slice(0, 11)}`;
      this.records.add(rec);
      try {
        await this.records.persist(rec);
        await ensureDevice(this.host, rec);
        await this.syncFirewall();
        await this.startDns(rec);
      } catch (e) {
        await this.records.forget(rec.id, true);
        await deleteLink(rec.bridge).catch(() => {});
        await this.syncFirewall().catch(() => {});
        throw e;
      }
      this.log(`created network ${name} (${rec.subnet} on ${rec.bridge})`);
      return networkInfo(rec);
    });
  }

  /** The first /24 of the pool that overlaps neither another network nor a route on the host. */
  private async pickSubnet(): Promise<Subnet> {
    const routes = JSON.parse(await ip("-j", "-4", "route", "show", "table", "all")) as { dst?: string; type?: string }[];
    return firstFreeSubnet(this.opts.userPool, this.records.values(), routes);
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
      let rec = this.records.findByName(spec.name);
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
      for (const other of this.records.values()) {
        if (other !== rec && other.subnet && overlaps(subnet, parseSubnet(other.subnet)))
          throw conflict(`this host's pod CIDR ${formatSubnet(subnet)} overlaps network ${other.name}'s ${other.subnet}: give that network another subnet`);
      }
      if (!rec) {
        rec = this.records.newRecord(spec.name, "bridge", { builtin: true, bridge: spec.bridge, subnet: formatSubnet(subnet), gateway });
        this.records.add(rec);
      }
      rec.pod = { clusterCIDR: spec.clusterCIDR, mtu: spec.mtu };
      rec.options = { "com.docker.network.bridge.name": spec.bridge, "com.docker.network.driver.mtu": String(spec.mtu) };
      await this.records.persist(rec);
      await ensureDevice(this.host, rec);
      await this.syncFirewall();
      await this.startDns(rec);
      return networkInfo(rec);
    });
  }

  async list(filters: ListFilters = {}): Promise<NetworkInfo[]> {
    this.requireStarted();
    return [...this.records.values()]
      .filter((n) => matchesListFilters(n, filters))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(networkInfo);
  }

  async inspect(ref: string): Promise<NetworkInfo> {
    this.requireStarted();
    return networkInfo(this.records.lookup(ref));
  }

  async remove(ref: string): Promise<void> {
    this.requireStarted();
    await this.mutex.run(async () => {
      const net = this.records.lookup(ref);
      if (net.builtin) throw forbidden(`${net.name} is a pre-defined network and cannot be removed`);
      const attached = Object.keys(net.endpoints);
      if (attached.length) {
        throw conflict(`error while removing network: network ${net.name} id ${net.id} has active endpoints (${attached.map((c) => c.slice(0, 12)).join(", ")})`);
      }
      await this.records.forget(net.id);
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
      const net = this.records.lookup(networkRef);
      if (net.driver !== "bridge") throw badRequest(`network ${net.name} has no address pool`);
      const addr = allocateAddress(net, containerId, requested);
      await this.records.persist(net);
      return addr;
    });
  }

  /** Gives back an address `containerId` holds; a not-found error if it does not hold it. */
  async releaseAddress(networkRef: string, containerId: string, addr: string): Promise<void> {
    this.requireStarted();
    await this.mutex.run(async () => {
      const net = this.records.lookup(networkRef);
      if (!releaseAddress(net, addr, containerId)) throw notFound(`address ${addr} held by ${containerId} on network ${net.name}`);
      await this.records.persist(net);
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
    for (const net of this.records.values()) {
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
    const req = checkAttachOptions(opts);
    return this.perContainer.run(containerId, async () => {
      const { net, ep } = await this.mutex.run(async () => {
        const net = this.records.lookup(networkRef);
        const others = [...this.records.values()].filter((n) => n.endpoints[containerId]);
        const ep = planEndpoint(net, others, containerId, netnsPath, opts, req, new Date(this.clock.now()).toISOString());
        net.endpoints[containerId] = ep;
        await this.records.persist(net);
        return { net, ep };
      });

      let reservedPorts: PortBinding[] = [];
      try {
        if (net.driver === "bridge") {
          // The first name no other endpoint of this container uses; plumbVeth moves on if the namespace has it.
          const used = new Set<string>();
          for (const n of this.records.values()) {
            const o = n.endpoints[containerId];
            if (o?.ifName && o.netnsPath === ep.netnsPath) used.add(o.ifName);
          }
          let index = 0;
          while (used.has(`eth${index}`)) index++;
          ep.ifName = await plumbEndpoint(this.host, net, ep, index);
          if (req.wanted.length) reservedPorts = await this.ports.reserveAll(req.wanted);
        } else if (net.driver === "null") {
          await loopbackUp(ep.netnsPath!);
        }
      } catch (e) {
        await this.ports.releaseAll(reservedPorts);
        if (ep.hostVeth) await deleteLink(ep.hostVeth).catch(() => {});
        await this.mutex.run(async () => {
          delete net.endpoints[containerId];
          releaseEndpointAddresses(net, ep);
          await this.records.persist(net);
        });
        throw e;
      }
      await this.mutex.run(async () => {
        ep.ports = reservedPorts;
        await this.records.persist(net);
      });
      if (reservedPorts.length) await this.syncFirewall();
      return endpointInfo(net, ep);
    });
  }

  /** Disconnects a container from a network: its veth, address, ports and rules go; another gateway takes the default route. */
  async detach(containerId: string, networkRef: string, opts: { namespaceGoing?: boolean } = {}): Promise<void> {
    this.requireStarted();
    validateContainerId(containerId);
    await this.perContainer.run(containerId, async () => {
      const net = this.records.lookup(networkRef);
      const ep = net.endpoints[containerId];
      if (!ep) throw notFound(`container ${containerId} is not connected to the network ${net.name}; endpoint`);
      // A veth whose inner end is in the container's own namespace goes with it when that is deleted (the kernel
      // tears the pair down off the caller's path); deleting it here first would cost an ip(8) and rtnl's wait.
      const goesWithNamespace = opts.namespaceGoing && ep.netnsPath === join(NETNS_DIR, this.netnsPrefix + containerId);
      if (ep.hostVeth && !goesWithNamespace) await deleteLink(ep.hostVeth);
      await this.ports.releaseAll(ep.ports);
      let successor: { net: NetworkRecord; ep: EndpointRecord } | null = null;
      if (ep.defaultRoute) {
        for (const other of this.records.values()) {
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
        await this.records.persist(net);
        if (successor) {
          successor.ep.defaultRoute = true;
          await this.records.persist(successor.net);
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
    for (const net of [...this.records.values()]) {
      if (net.endpoints[containerId]) await this.detach(containerId, net.id, opts);
    }
    await this.mutex.run(async () => {
      for (const net of this.records.values()) {
        let held = 0;
        for (const table of [net.ipam.allocated, net.ipv6?.allocated ?? {}]) {
          for (const [addr, owner] of Object.entries(table)) if (owner === containerId) (delete table[addr], held++);
        }
        if (held) await this.records.persist(net);
      }
    });
  }

  /** Keeps DNS answering to a renamed container's new name. */
  async renameContainer(containerId: string, newName: string): Promise<void> {
    validateContainerId(containerId);
    if (!DNS_NAME.test(newName.replace(/^\//, ""))) throw badRequest(`invalid container name "${newName}"`);
    await this.mutex.run(async () => {
      for (const net of this.records.values()) {
        const ep = net.endpoints[containerId];
        if (!ep) continue;
        ep.containerName = newName.replace(/^\//, "");
        await this.records.persist(net);
      }
    });
  }

  /** The container's endpoints, in the order they were attached (inspect's NetworkSettings). */
  endpointsOf(containerId: string): EndpointInfo[] {
    const out: { created: string; info: EndpointInfo }[] = [];
    for (const net of this.records.values()) {
      const ep = net.endpoints[containerId];
      if (ep) out.push({ created: ep.created, info: endpointInfo(net, ep) });
    }
    return out.sort((a, b) => a.created.localeCompare(b.created)).map((o) => o.info);
  }

  /** Published ports with their host ports resolved (`docker port`). */
  portsOf(containerId: string): PortBinding[] {
    return this.endpointsOf(containerId).flatMap((e) => e.ports);
  }

  // ---------------------------------------------------------------- names

  private dnsResolver(serverNetId: string): Resolver {
    const containers = containerResolver(() => this.records.values(), (id) => this.records.get(id), serverNetId);
    const cluster = this.clusterNames;
    if (!cluster) return containers;
    return (q) => cluster(q) ?? containers(q);
  }

  /**
   * /etc/resolv.conf for the container: its networks' embedded DNS, or the host's resolvers (loopback ones dropped,
   * as dockerd does). `--dns`, `--dns-search` and `--dns-option` replace the host's values; on a user-defined network
   * the embedded server stays the nameserver (Docker's behaviour) and only search and options are taken.
   */
  async resolvConfFor(containerId: string, opts: DnsFileOptions = {}): Promise<string> {
    validateContainerId(containerId);
    checkDnsFileOptions(opts);
    const eps = this.endpointsOf(containerId);
    const hostText = await readFile(this.opts.hostResolvConf, "utf8").catch(() => "");
    const hostNetwork = eps.some((e) => this.records.lookup(e.networkId).driver === "host");
    const embedded =
      !hostNetwork && this.opts.dns ? eps.filter((e) => !this.records.lookup(e.networkId).builtin && this.dns.has(e.networkId)).map((e) => e.gateway!) : [];
    return composeResolvConf(hostText, { hostNetwork, embedded }, opts);
  }

  /** /etc/hosts for the container (Docker's layout), with its own address for its hostname; the host's for host networking. */
  async hostsFileFor(
    containerId: string,
    opts: { hostname: string; domainname?: string; extraHosts?: { name: string; ip: string }[]; links?: { ip: string; names: string[] }[] },
  ): Promise<string> {
    validateContainerId(containerId);
    const eps = this.endpointsOf(containerId);
    if (eps.some((e) => this.records.lookup(e.networkId).driver === "host")) return readFile(this.opts.hostHosts, "utf8").catch(() => "");
    return buildHostsFile({ ...opts, ipv4: eps.find((e) => e.ipv4)?.ipv4 ?? null, ipv6: eps.find((e) => e.ipv6)?.ipv6 ?? null });
  }

  /** For diagnostics and tests: Gantry's rules as iptables lists them. */
  listedRules() {
    return this.firewall.listed();
  }
}
