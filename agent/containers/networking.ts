// A container's network while it runs: its namespace and endpoints made by the network engine (prepared in the
// background right after create, so `docker run`'s start finds them ready), its published ports, the files bound
// over /etc/hosts, /etc/hostname and /etc/resolv.conf, and their release when it stops or goes.
import { readFileSync, writeFileSync } from "node:fs";
import { badRequest, conflict } from "../../lib/errors";
import type { NetworkService } from "../network/network-service";
import type { PortBinding } from "../network/types";
import { attachOptions, recordEndpoint } from "./endpoints";
import type { ContainerStore } from "./records";
import type { ContainerRecord, HostConfig } from "./types";

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export class ContainerNetworking {
  private readonly prepared = new Map<string, { key: string; promise: Promise<string | null> }>();

  constructor(
    private readonly store: ContainerStore,
    /** The network engine, started on first use (null when it cannot start on this host). */
    readonly engine: () => Promise<NetworkService | null>,
    private readonly log: (msg: string) => void,
  ) {}

  /** Makes the namespace and endpoints; the namespace's path (null for the host's). */
  async setup(rec: ContainerRecord): Promise<string | null> {
    const net = await this.engine();
    const mode = rec.HostConfig.NetworkMode;
    rec.Networks = {};
    rec.Ports = {};
    if (mode.startsWith("container:")) {
      const other = this.store.get(mode.slice("container:".length));
      if (!other.State.Running) throw conflict(`cannot join network of a non running container: ${other.Id}`);
      if (!net) return `/proc/${other.State.Pid}/ns/net`;
      return net.netnsPathOf(other.Id);
    }
    if (!net) {
      if (mode === "host") return null;
      throw badRequest("networking is not available on this agent (the network engine did not start)");
    }
    const containerName = rec.Name.slice(1);
    if (mode === "host") {
      recordEndpoint(rec, await net.attach(rec.Id, null, "host", { containerName }));
      return null;
    }
    const netns = await net.createNetns(rec.Id);
    const primary = mode === "default" ? "bridge" : (await net.inspect(mode)).name;
    const wanted = [primary, ...Object.keys(rec.RequestedNetworks).filter((n) => n !== primary && n !== mode)];
    for (const name of wanted) {
      // Settings asked under another spelling of the network (an id) by records older than names as keys.
      const req = rec.RequestedNetworks[name] ?? (name === primary ? rec.RequestedNetworks[mode] : undefined) ?? {};
      const ports = name === primary ? portBindings(rec.HostConfig.PortBindings) : [];
      const ep = await net.attach(rec.Id, netns, name, { ...attachOptions(rec, req, name === primary), ...(ports.length ? { ports } : {}) });
      recordEndpoint(rec, ep);
      for (const p of ep.ports) {
        const key = `${p.containerPort}/${p.protocol}`;
        (rec.Ports[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
      }
    }
    for (const key of Object.keys(rec.Config.ExposedPorts ?? {})) if (!(key in rec.Ports)) rec.Ports[key] = null;
    return netns;
  }

  /**
   * `docker run` starts right after it creates: the network namespace and endpoints are made meanwhile, in the
   * background, and `start` takes them (or makes them itself when they failed or the request changed since).
   */
  prepare(rec: ContainerRecord) {
    if (rec.HostConfig.NetworkMode.startsWith("container:")) return;
    const key = JSON.stringify([rec.HostConfig.NetworkMode, rec.RequestedNetworks, rec.HostConfig.PortBindings]);
    const promise = this.setup(rec);
    promise.catch(() => {});
    this.prepared.set(rec.Id, { key, promise });
  }

  /** The prepared network when the request did not change since, else one made now. */
  async take(rec: ContainerRecord): Promise<string | null> {
    const p = this.prepared.get(rec.Id);
    this.prepared.delete(rec.Id);
    if (p) {
      const key = JSON.stringify([rec.HostConfig.NetworkMode, rec.RequestedNetworks, rec.HostConfig.PortBindings]);
      try {
        const netns = await p.promise;
        if (key === p.key) return netns;
      } catch {
        /* made again below, where its error is the start's */
      }
      await this.release(rec);
    }
    return this.setup(rec);
  }

  async release(rec: ContainerRecord) {
    const net = await this.engine();
    if (!net) return;
    const p = this.prepared.get(rec.Id);
    if (p) {
      this.prepared.delete(rec.Id);
      await p.promise.catch(() => {});
    }
    await net.detachAll(rec.Id, { namespaceGoing: true }).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: detach: ${(e as Error).message}`));
    await net.removeNetns(rec.Id).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: remove netns: ${(e as Error).message}`));
  }

  /** /etc/hosts, /etc/hostname and /etc/resolv.conf of the bundle, written in place (a running container sees them). */
  async writeFiles(rec: ContainerRecord, links: { ip: string; names: string[] }[]) {
    const net = await this.engine();
    const hostname = rec.Config.Hostname;
    const extraHosts = (rec.HostConfig.ExtraHosts ?? []).map((h) => {
      const i = h.lastIndexOf(":");
      if (i < 1) throw badRequest(`invalid extra host: ${h}`);
      return { name: h.slice(0, i), ip: h.slice(i + 1) };
    });
    const hosts = net
      ? await net.hostsFileFor(rec.Id, { hostname, domainname: rec.Config.Domainname, extraHosts, links })
      : `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${extraHosts.map((e) => `${e.ip}\t${e.name}\n`).join("")}`;
    // HostConfig.Dns, DnsSearch, DnsOptions (`docker run --dns …`; a pod's resolver settings, agent/pods) replace the host's.
    const dnsOf = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") && v.length ? (v as string[]) : undefined);
    const dns = { dns: dnsOf(rec.HostConfig.Dns), dnsSearch: dnsOf(rec.HostConfig.DnsSearch), dnsOptions: dnsOf(rec.HostConfig.DnsOptions) };
    const resolv = net ? await net.resolvConfFor(rec.Id, dns) : readFileSafe("/etc/resolv.conf");
    writeFileSync(this.store.pathOf(rec.Id, "hosts"), hosts);
    writeFileSync(this.store.pathOf(rec.Id, "hostname"), `${hostname}\n`);
    writeFileSync(this.store.pathOf(rec.Id, "resolv.conf"), resolv);
  }

  /** IpcMode/UTSMode "container:<id>": that running container's namespace; anything else: the container's own. */
  joinedNamespace(mode: unknown, kind: "ipc" | "uts"): string | undefined {
    if (typeof mode !== "string" || !mode.startsWith("container:")) return undefined;
    const other = this.store.get(mode.slice("container:".length));
    if (!other.State.Running || !other.State.Pid) throw conflict(`cannot join the ${kind} namespace of a non running container: ${other.Id}`);
    return `/proc/${other.State.Pid}/ns/${kind}`;
  }
}

function portBindings(map: HostConfig["PortBindings"]): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, binds] of Object.entries(map ?? {})) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
    if (!m) throw badRequest(`invalid port specification: "${key}"`);
    if (m[2] === "sctp") throw badRequest(`sctp ports are not supported: "${key}"`);
    for (const b of binds ?? [{}]) {
      const hostPort = b.HostPort ? Number(b.HostPort) : 0;
      if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) throw badRequest(`invalid host port: "${b.HostPort}"`);
      out.push({ hostIp: b.HostIp || "0.0.0.0", hostPort, containerPort: Number(m[1]), protocol: (m[2] ?? "tcp") as "tcp" | "udp" });
    }
  }
  return out;
}

