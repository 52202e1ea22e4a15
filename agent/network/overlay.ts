// This host's part of the cluster's pod network (issue 14), kept as the control plane's network.sync says
// (lib/protocol/network.ts) — flannel's vxlan backend is the model:
//   - the pod bridge: a built-in network of the network engine (ensurePodNetwork) on this host's pod CIDR, gateway .1,
//     the overlay's MTU, the embedded DNS on its gateway; pods' sandboxes are attached to it (agent/pods);
//   - a kernel vxlan device (`ip link add gantry.vx type vxlan id VNI dstport PORT dev <underlay> local <underlay ip>
//     nolearning`, MTU = the underlay's − 50 unless the control plane pins it) with this host's VTEP MAC (made once,
//     kept under GANTRY_ROOT) and its pod CIDR's .0 as its address;
//   - for every other host: a route `<its pod CIDR> via <its .0> dev gantry.vx onlink`, a permanent neighbour entry
//     (its .0 → its VTEP MAC) and an FDB entry (its VTEP MAC → its underlay address). Entries of hosts no longer listed
//     are removed; a host on this very underlay address (a second agent on one machine) is reached without the overlay.
// The last sync is kept on disk and applied again when the agent starts, so pods keep their network while the
// control plane is away. Everything made here carries the network engine's label, so `gantry-agent uninstall` removes it.
import { createHash, randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import { join } from "node:path";
import { describeZodError, type Ack } from "../../lib/protocol";
import { NetworkSync, podGateway, vtepAddress, type HostNetworkFacts, type OverlayPeer } from "../../lib/protocol/network";
import { hostAddress } from "../pods/host-address";
import { ip, ipBatch, isGone, run } from "./exec";
import { Mutex } from "./mutex";
import type { NetworkService } from "./network-service";

/** The pod network's name among the engine's networks (`docker network ls` shows it, built in). */
export const POD_NETWORK = "gantry-pods";
/** VXLAN's encapsulation: outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14). */
export const VXLAN_OVERHEAD = 50;

export interface PodNetworkOptions {
  root: string;
  networks: () => Promise<NetworkService | null>;
  env?: NodeJS.ProcessEnv;
  log: (msg: string) => void;
}

/** What a pod's sandbox needs: the network to attach to and the resolver settings of dnsPolicy ClusterFirst. */
export interface PodNetworkView {
  network: string;
  gateway: string;
  clusterDomain: string;
}

interface Underlay {
  ip: string;
  dev: string;
  mtu: number;
}

/** The device names: gantry-pods0 and gantry.vx beside the default bridge gantry0; derived from another bridge's name. */
export function podDeviceNames(env: Record<string, string | undefined>): { bridge: string; vxlan: string } {
  const main = env.GANTRY_BRIDGE || "gantry0";
  const tag = createHash("sha256").update(main).digest("hex").slice(0, 8);
  return {
    bridge: env.GANTRY_POD_BRIDGE || (main === "gantry0" ? "gantry-pods0" : `gpod${tag}`),
    vxlan: env.GANTRY_VXLAN_DEVICE || (main === "gantry0" ? "gantry.vx" : `gvx${tag}`),
  };
}

export class PodNetwork {
  private readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly names: { bridge: string; vxlan: string };
  private readonly mutex = new Mutex();
  private serverUrl: string | null = null;
  private applied: NetworkSync | null = null;
  private ready: PodNetworkView | null = null;
  private mac: string | null = null;

  constructor(private readonly opts: PodNetworkOptions) {
    this.dir = join(opts.root, "pod-network");
    this.env = opts.env ?? process.env;
    this.names = podDeviceNames(this.env);
  }

  /** The control plane this host reaches: its underlay address is the one it reaches it from. */
  setServer(url: string) {
    this.serverUrl = url;
  }

  /** The pod network once it is up (null before the first network.sync with a pod CIDR). */
  view(): PodNetworkView | null {
    return this.ready;
  }

  /** This host's VTEP MAC: a random locally administered unicast address, made once and kept. */
  vtepMac(): string {
    if (this.mac) return this.mac;
    const file = join(this.dir, "vtep-mac");
    try {
      const kept = readFileSync(file, "utf8").trim();
      if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(kept)) return (this.mac = kept);
    } catch {
      /* made below */
    }
    const b = randomBytes(6);
    b[0] = (b[0]! & 0xfe) | 0x02;
    const mac = [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
    this.write("vtep-mac", mac + "\n");
    return (this.mac = mac);
  }

  /** For the hello and facts: where this host is on the overlay; undefined when no underlay address can be found. */
  async facts(): Promise<HostNetworkFacts | undefined> {
    try {
      const u = await this.underlay();
      return { underlayIP: u.ip, vtepMAC: this.vtepMac() };
    } catch (e) {
      this.opts.log(`pod network: no underlay address: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The last sync kept on disk, applied again (at the agent's start). */
  async restore(): Promise<void> {
    const file = join(this.dir, "last-sync.json");
    if (!existsSync(file)) return;
    try {
      const kept = NetworkSync.parse(JSON.parse(readFileSync(file, "utf8")));
      await this.mutex.run(() => this.apply(kept));
    } catch (e) {
      this.opts.log(`pod network: the kept state could not be applied again: ${(e as Error).message}`);
    }
  }

  /** network.sync from the control plane: applied, then acknowledged (a failure says why). */
  async sync(raw: unknown): Promise<Ack> {
    const parsed = NetworkSync.safeParse(raw);
    if (!parsed.success) return { ok: false, error: `invalid network.sync: ${describeZodError(parsed.error)}` };
    try {
      await this.mutex.run(() => this.apply(parsed.data));
      this.write("last-sync.json", JSON.stringify(parsed.data) + "\n");
      return { ok: true };
    } catch (e) {
      this.opts.log(`pod network: applying the control plane's state failed: ${(e as Error).message}`);
      return { ok: false, error: `the pod network could not be set up: ${(e as Error).message}` };
    }
  }

  private async apply(sync: NetworkSync): Promise<void> {
    const networks = await this.opts.networks();
    if (!networks) throw new Error("the network engine did not start");
    if (!sync.podCIDR) {
      this.opts.log("pod network: the control plane has no pod CIDR for this host yet (its cluster CIDR is used up): pods wait");
      this.applied = sync;
      return;
    }
    const u = await this.underlay();
    const mtu = sync.vxlan.mtu ?? u.mtu - VXLAN_OVERHEAD;
    const peers = sync.peers.filter((p) => p.underlayIP !== u.ip && p.podCIDR !== sync.podCIDR);
    await networks.ensurePodNetwork({ name: POD_NETWORK, bridge: this.names.bridge, subnet: sync.podCIDR, clusterCIDR: sync.clusterCIDR, mtu });
    if (peers.length) {
      await this.ensureVxlan(sync, u, mtu, `gantry:${networks.instance}:vxlan:pods`);
      await this.reconcilePeers(peers);
    } else {
      // No other host to reach: no device (a second agent on this machine would otherwise contend for the VNI's port).
      await ip("link", "del", "dev", this.names.vxlan).catch((e) => {
        if (!isGone(e)) throw e;
      });
    }
    const before = this.applied;
    this.applied = sync;
    this.ready = { network: POD_NETWORK, gateway: podGateway(sync.podCIDR), clusterDomain: sync.clusterDomain };
    if (!before || before.podCIDR !== sync.podCIDR || before.peers.length !== sync.peers.length)
      this.opts.log(`pod network: ${sync.podCIDR} on ${this.names.bridge}, ${peers.length} overlay peer(s) over ${u.dev} (${u.ip}), MTU ${mtu}`);
  }

  private async ensureVxlan(sync: NetworkSync, u: Underlay, mtu: number, alias: string) {
    const dev = this.names.vxlan;
    const mac = this.vtepMac();
    type Link = { address?: string; linkinfo?: { info_kind?: string; info_data?: { id?: number; port?: number; local?: string; link?: string } } };
    let cur: Link | null = null;
    try {
      cur = (JSON.parse(await ip("-d", "-j", "link", "show", "dev", dev)) as Link[])[0] ?? null;
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    const d = cur?.linkinfo?.info_data;
    const fits = cur?.linkinfo?.info_kind === "vxlan" && d?.id === sync.vxlan.vni && d?.port === sync.vxlan.port && d?.local === u.ip && d?.link === u.dev && cur?.address === mac;
    if (cur && !fits) await ip("link", "del", "dev", dev);
    if (!cur || !fits) {
      await ip("link", "add", dev, "address", mac, "mtu", String(mtu), "type", "vxlan", "id", String(sync.vxlan.vni), "dstport", String(sync.vxlan.port), "dev", u.dev, "local", u.ip, "nolearning");
    }
    await ipBatch([
      ["link", "set", "dev", dev, "alias", alias],
      ["link", "set", "dev", dev, "mtu", String(mtu)],
      ["addr", "replace", `${vtepAddress(sync.podCIDR!)}/32`, "dev", dev],
      ["link", "set", "dev", dev, "up"],
    ]);
    // Only this range's VTEP address: an old one (the range moved) goes.
    const addrs = JSON.parse(await ip("-j", "-4", "addr", "show", "dev", dev)) as { addr_info?: { local: string; prefixlen: number }[] }[];
    for (const a of addrs[0]?.addr_info ?? []) if (a.local !== vtepAddress(sync.podCIDR!)) await ip("addr", "del", `${a.local}/${a.prefixlen}`, "dev", dev);
  }

  /** Routes, neighbours and FDB entries on the device brought to exactly the peers'. */
  private async reconcilePeers(peers: OverlayPeer[]) {
    const dev = this.names.vxlan;
    const routes = JSON.parse(await ip("-j", "-4", "route", "show", "dev", dev)) as { dst: string }[];
    const neighs = JSON.parse(await ip("-j", "-4", "neigh", "show", "dev", dev)) as { dst: string }[];
    const fdb = JSON.parse(await run("bridge", ["-j", "fdb", "show", "dev", dev])) as { mac: string; dst?: string }[];
    const wantRoutes = new Set(peers.map((p) => p.podCIDR));
    const wantNeigh = new Set(peers.map((p) => vtepAddress(p.podCIDR)));
    const wantFdb = new Set(peers.map((p) => `${p.vtepMAC}>${p.underlayIP}`));
    const lines: string[][] = [];
    for (const r of routes) if (!wantRoutes.has(r.dst)) lines.push(["route", "del", r.dst, "dev", dev]);
    for (const n of neighs) if (!wantNeigh.has(n.dst)) lines.push(["neigh", "del", n.dst, "dev", dev]);
    for (const p of peers) {
      const vtep = vtepAddress(p.podCIDR);
      lines.push(["neigh", "replace", vtep, "lladdr", p.vtepMAC, "dev", dev, "nud", "permanent"]);
      lines.push(["route", "replace", p.podCIDR, "via", vtep, "dev", dev, "onlink"]);
    }
    if (lines.length) await ipBatch(lines);
    const fdbLines: string[] = [];
    for (const f of fdb) if (f.dst && !wantFdb.has(`${f.mac}>${f.dst}`)) fdbLines.push(`fdb del ${f.mac} dev ${dev} dst ${f.dst}`);
    for (const p of peers) fdbLines.push(`fdb replace ${p.vtepMAC} dev ${dev} dst ${p.underlayIP} self permanent`);
    await run("bridge", ["-batch", "-"], { input: fdbLines.join("\n") + "\n" });
  }

  /**
   * The underlay: GANTRY_NODE_IP, else the source address of this host's route to the control plane (a loopback one
   * — a control plane on this machine — is no use to other hosts: then the default route's), and its interface.
   */
  private async underlay(): Promise<Underlay> {
    let addr = this.env.GANTRY_NODE_IP?.trim() || "";
    if (addr && !isIPv4(addr)) throw new Error(`GANTRY_NODE_IP must be an IPv4 address of this host, got "${addr}"`);
    if (!addr && this.serverUrl) {
      try {
        const host = new URL(this.serverUrl).hostname.replace(/^\[|\]$/g, "");
        const target = isIPv4(host) ? host : (await lookup(host, { family: 4 })).address;
        const route = (JSON.parse(await ip("-j", "-4", "route", "get", target)) as { prefsrc?: string }[])[0];
        if (route?.prefsrc && !route.prefsrc.startsWith("127.")) addr = route.prefsrc;
      } catch {
        /* the default route's below */
      }
    }
    if (!addr) addr = hostAddress();
    const links = JSON.parse(await ip("-j", "-4", "addr", "show")) as { ifname: string; mtu: number; addr_info?: { local: string }[] }[];
    const link = links.find((l) => l.addr_info?.some((a) => a.local === addr));
    if (!link) throw new Error(`${addr} is no address of this host${this.env.GANTRY_NODE_IP ? " (GANTRY_NODE_IP)" : ""}`);
    if (link.ifname === "lo") throw new Error(`${addr} is a loopback address: other hosts cannot reach it (set GANTRY_NODE_IP)`);
    return { ip: addr, dev: link.ifname, mtu: link.mtu };
  }

  private write(name: string, text: string) {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, name);
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}
