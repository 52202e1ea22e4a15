// What a container is called on its networks and how that is shown: the names an endpoint answers to (its name,
// aliases, short id), the embedded DNS's resolver over the records (a container asks; it is answered from the
// networks it is on, link aliases for the container holding the link only, PTR for Gantry's subnets), and an
// endpoint's public view (inspect's NetworkSettings); and the embedded DNS servers that answer those names, one per
// user-defined network's gateway (and the pod network's), plus any address the overlay asks for.
import { readFile } from "node:fs/promises";
import { DnsServer, reverseName, TYPE_A, TYPE_AAAA, TYPE_PTR, type Resolver } from "./dns";
import { contains, parseIPv4, parseSubnet } from "./ipv4";
import { parseSubnet6 } from "./ipv6";
import type { EndpointInfo, EndpointRecord, NetworkRecord } from "./types";

export function dnsNamesOf(ep: EndpointRecord): string[] {
  const names = [ep.containerName, ...ep.aliases];
  if (/^[0-9a-f]{12,}$/.test(ep.containerId)) names.push(ep.containerId.slice(0, 12));
  return [...new Set(names)];
}

/**
 * The containers' names as the DNS server of network `serverNetId` (or of an address keyed so) answers them, read
 * from `networks` at each question.
 */
export function containerResolver(networks: () => Iterable<NetworkRecord>, get: (id: string) => NetworkRecord | undefined, serverNetId: string): Resolver {
  return ({ name, type, asker }) => {
    const q = name.replace(/\.$/, "").toLowerCase();
    let scope = [...networks()].filter((n) => !n.builtin && Object.values(n.endpoints).some((e) => e.ipv4 === asker));
    if (scope.length === 0) scope = [get(serverNetId)].filter((n): n is NetworkRecord => Boolean(n));
    // A single-label name can only be a container: never asked upstream. Nor can an address of Gantry's subnets.
    const local = !q.includes(".");
    if (type === TYPE_PTR) {
      const addr = reverseName(q);
      if (!addr) return null;
      for (const n of scope) for (const e of Object.values(n.endpoints)) if (e.ipv4 === addr) return { ptr: [`${e.containerName}.${n.name}`] };
      const ours = [...networks()].some((n) => n.subnet && contains(parseSubnet(n.subnet), parseIPv4(addr) ?? -1));
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

export function endpointInfo(net: NetworkRecord, ep: EndpointRecord): EndpointInfo {
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

export interface EmbeddedDnsOptions {
  enabled: boolean;
  port: number;
  upstreams: "host" | string[];
  hostResolvConf: string;
  /** The names a server keyed so answers (a network's id, or "addr:<address>"). */
  resolver: (key: string) => Resolver;
  log: (msg: string) => void;
}

/** The embedded DNS servers, by network id (or "addr:<address>"). */
export class EmbeddedDns {
  private readonly servers = new Map<string, DnsServer>();

  constructor(private readonly o: EmbeddedDnsOptions) {}

  has(key: string) {
    return this.servers.has(key);
  }

  async startFor(net: NetworkRecord) {
    // The pod network is built in, and has its DNS server too: pods' resolv.conf names its gateway (ClusterFirst).
    if (!this.o.enabled || net.driver !== "bridge" || (net.builtin && !net.pod) || this.servers.has(net.id)) return;
    const server = new DnsServer(net.gateway!, this.o.resolver(net.id), this.o.log, this.o.port, await this.upstreams());
    try {
      await server.listen();
      this.servers.set(net.id, server);
    } catch (e) {
      this.o.log(`no name resolution on network ${net.name}: cannot listen on ${net.gateway}:${this.o.port}: ${(e as Error).message}`);
    }
  }

  /** A server on an address that is no network's gateway; a second call is a no-op. */
  async serve(address: string) {
    const key = `addr:${address}`;
    if (!this.o.enabled || this.servers.has(key)) return;
    const server = new DnsServer(address, this.o.resolver(key), this.o.log, this.o.port, await this.upstreams());
    await server.listen();
    this.servers.set(key, server);
  }

  private async upstreams(): Promise<string[]> {
    if (this.o.upstreams !== "host") return this.o.upstreams;
    const text = await readFile(this.o.hostResolvConf, "utf8").catch(() => "");
    return [...text.matchAll(/^\s*nameserver\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$/gm)].map((m) => m[1]);
  }

  async stop(key: string) {
    const s = this.servers.get(key);
    this.servers.delete(key);
    await s?.close();
  }

  async stopAll() {
    for (const key of [...this.servers.keys()]) await this.stop(key);
  }
}
