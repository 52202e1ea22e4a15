// The service proxy: programs the rules of agent/services/proxy-rules.ts with `iptables-restore --noflush`, one
// transaction per sync. A full sync (the first after the agent starts, each full `services.sync`, and after a failed
// one) writes every chain and deletes any P-SVC-*/P-SEP-* chain not wanted — what a crash or a Service deleted while
// the agent was away left. An incremental sync writes the shared chains (small: a rule per service port) and only
// the per-service chains of the services that changed, deleting the ones they no longer have. Connections of a UDP
// endpoint taken away are flushed from conntrack when the `conntrack` tool is there (else they age out).
import { existsSync } from "node:fs";
import { run } from "../network/exec";
import { Mutex } from "../network/mutex";
import type { AgentService } from "../../lib/protocol/services";
import { isServiceChain, proxiedPorts, proxyChains, proxyHooks, readyEndpoints, serviceChain, serviceChainRules, sharedRules } from "./proxy-rules";

export interface ServiceProxyOptions {
  /** Chain prefix (the network engine's: GANTRY for the default bridge). */
  prefix: string;
  /** Run every tool inside this network namespace (a path: /run/netns/NAME) — tests and benchmarks. */
  netns?: string;
  log?: (msg: string) => void;
}

export interface SyncStats {
  full: boolean;
  /** Lines given to iptables-restore. */
  lines: number;
  /** Per-service chains written and deleted. */
  written: number;
  deleted: number;
}

export class ServiceProxy {
  readonly prefix: string;
  private readonly mutex = new Mutex();
  /** What is in the kernel: service key → its chains and their rules (as last written). */
  private applied = new Map<string, Map<string, string[]>>();
  /** Whether the kernel's chains are known to match `applied` (false: the next sync is full). */
  private inSync = false;
  private hooksChecked = false;
  private conntrackTool: string | null | undefined;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: ServiceProxyOptions) {
    if (!/^[A-Z][A-Z0-9_]{0,15}$/.test(opts.prefix)) throw new Error(`iptables chain prefix "${opts.prefix}" must be 1-16 of A-Z, 0-9, _`);
    this.prefix = opts.prefix;
    this.log = opts.log ?? (() => {});
  }

  private tool(cmd: string, args: string[], input?: string) {
    const o = input === undefined ? {} : { input };
    return this.opts.netns ? run("nsenter", [`--net=${this.opts.netns}`, "--", cmd, ...args], o) : run(cmd, args, o);
  }

  /**
   * Brings the rules in line with `services` (every service of the table). `changed`: keys of the services that
   * changed since the last sync (ignored when full); `before`: their previous versions (for conntrack).
   */
  sync(services: Map<string, AgentService>, change: { full: boolean; keys: Iterable<string>; before?: Map<string, AgentService> }): Promise<SyncStats> {
    return this.mutex.run(async () => {
      const full = change.full || !this.inSync;
      try {
        const stats = await this.write(services, full, change.keys);
        await this.flushConntrack(services, change);
        return stats;
      } catch (e) {
        this.inSync = false; // what the kernel holds is unknown now: the next sync is full
        throw e;
      }
    });
  }

  private async write(services: Map<string, AgentService>, full: boolean, keys: Iterable<string>): Promise<SyncStats> {
    const shared = sharedRules(this.prefix, services.values());
    const nat: string[] = [];
    const natRules: string[] = [];
    const filter: string[] = [];
    const filterRules: string[] = [];
    const deletes: string[] = [];
    for (const [chain, rules] of shared.nat) (nat.push(`:${chain} - [0:0]`), natRules.push(...rules));
    for (const [chain, rules] of shared.filter) (filter.push(`:${chain} - [0:0]`), filterRules.push(...rules));

    const next = full ? new Map<string, Map<string, string[]>>() : new Map(this.applied);
    const touched = full ? [...services.keys()] : [...new Set(keys)];
    let written = 0;
    for (const key of touched) {
      const s = services.get(key);
      const want = s ? serviceChainRules(this.prefix, s) : new Map<string, string[]>();
      const had = full ? undefined : this.applied.get(key);
      for (const [chain, rules] of want) {
        const old = had?.get(chain);
        if (old && old.length === rules.length && old.every((r, i) => r === rules[i])) continue;
        nat.push(`:${chain} - [0:0]`);
        natRules.push(...rules);
        written++;
      }
      for (const chain of had?.keys() ?? []) if (!want.has(chain)) deletes.push(chain);
      if (want.size) next.set(key, want);
      else next.delete(key);
    }
    const hooks: { nat: string[]; filter: string[] } = { nat: [], filter: [] };
    if (full || !this.hooksChecked) {
      // One look at the kernel (an `iptables` call per check would read the whole ruleset each time — seconds
      // with ten thousand chains, kube-proxy's #114181): stale chains of ours, and the jumps that are missing.
      const saved = await this.tool("iptables-save", []);
      const tables = splitTables(saved);
      if (full) {
        // Whatever chains of ours exist and are not wanted: a crash's, a Service deleted while away, an older layout's.
        const wanted = new Set([...next.values()].flatMap((m) => [...m.keys()]));
        for (const chain of chainsIn(tables.get("nat") ?? "")) if (isServiceChain(this.prefix, chain) && !wanted.has(chain)) deletes.push(chain);
      }
      for (const hook of proxyHooks(this.prefix)) {
        const target = hook.spec.at(-1)!;
        const present = (tables.get(hook.table) ?? "").split("\n").some((l) => l.startsWith(`-A ${hook.chain} `) && l.endsWith(`-j ${target}`));
        if (!present) hooks[hook.table as "nat" | "filter"].push(`-I ${hook.chain} 1 ${hook.spec.map(quote).join(" ")}`);
      }
    }
    for (const chain of deletes) nat.push(`:${chain} - [0:0]`);
    const input = [
      "*nat", ...nat, ...natRules, ...deletes.map((c) => `-X ${c}`), ...hooks.nat, "COMMIT",
      "*filter", ...filter, ...filterRules, ...hooks.filter, "COMMIT", "",
    ].join("\n");
    await this.tool("iptables-restore", ["-w", "5", "--noflush"], input);
    if (!this.hooksChecked) {
      // NodePorts answer on 127.0.0.1 too: DNATed loopback traffic may leave through another device (as kube-proxy does).
      await this.tool("sysctl", ["-qw", "net.ipv4.conf.all.route_localnet=1"]).catch((e) => this.log(`NodePorts will not answer on 127.0.0.1: ${(e as Error).message}`));
      this.hooksChecked = true;
    }
    this.applied = next;
    this.inSync = true;
    return { full, lines: input.split("\n").length, written, deleted: deletes.length };
  }

  /** The chain of one port of a service (named by the port's name). */
  serviceChainOf(s: AgentService, portName: string): string {
    const port = s.ports.find((p) => p.name === portName);
    if (!port) throw new Error(`${s.namespace}/${s.name} has no port "${portName}"`);
    return serviceChain(this.prefix, s, port);
  }

  /** The per-service chains a service has (with its ready endpoints). */
  chainsOf(s: AgentService): string[] {
    return [...serviceChainRules(this.prefix, s).keys()];
  }

  /** The P-SVC-*, P-SEP-* chains in the nat table now. */
  async existingServiceChains(): Promise<string[]> {
    return chainsIn(await this.tool("iptables-save", ["-t", "nat"])).filter((c) => isServiceChain(this.prefix, c));
  }

  /** Every chain of the proxy in the nat and filter tables, with its rules (`iptables-save`), for tests and diagnostics. */
  async listed(): Promise<{ chains: string[]; rules: string[] }> {
    const out = { chains: [] as string[], rules: [] as string[] };
    const mine = (name: string) => name.startsWith(`${this.prefix}-`) && (isServiceChain(this.prefix, name) || Object.values(proxyChains(this.prefix)).includes(name));
    for (const table of ["nat", "filter"]) {
      const saved = await this.tool("iptables-save", ["-t", table]);
      for (const line of saved.split("\n")) {
        const chain = /^:(\S+) /.exec(line)?.[1];
        if (chain && mine(chain)) out.chains.push(chain);
        const rule = /^-A (\S+) /.exec(line);
        if (rule && (mine(rule[1]!) || Object.values(proxyChains(this.prefix)).some((c) => line.endsWith(`-j ${c}`)))) out.rules.push(line);
      }
    }
    return out;
  }

  /** Connections of UDP endpoints that stopped serving a port, flushed so the next datagram picks a live one. */
  private async flushConntrack(services: Map<string, AgentService>, change: { keys: Iterable<string>; before?: Map<string, AgentService> }) {
    if (!change.before?.size) return;
    const targets: string[][] = [];
    for (const [key, old] of change.before) {
      const now = services.get(key);
      for (const p of proxiedPorts(old)) {
        if (p.protocol !== "UDP") continue;
        const nowPort = now ? proxiedPorts(now).find((q) => q.name === p.name && q.protocol === "UDP") : undefined;
        const still = new Set(now && nowPort ? readyEndpoints(now, nowPort).map(([ip]) => ip) : []);
        for (const [ip] of readyEndpoints(old, p)) {
          if (still.has(ip)) continue;
          targets.push(["-D", "-p", "udp", "--orig-dst", old.clusterIP!, "--dst-nat", ip]);
          if (p.nodePort !== undefined) targets.push(["-D", "-p", "udp", "--dport", String(p.nodePort), "--dst-nat", ip]);
        }
      }
    }
    if (!targets.length) return;
    if (this.conntrackTool === undefined) {
      this.conntrackTool = ["/usr/sbin/conntrack", "/sbin/conntrack", "/usr/bin/conntrack"].find((p) => existsSync(p)) ?? null;
      if (!this.conntrackTool) this.log("conntrack is not installed: UDP flows to removed endpoints age out instead of being flushed");
    }
    if (!this.conntrackTool) return;
    // conntrack exits 1 when nothing matched: not a failure.
    for (const args of targets) await this.tool(this.conntrackTool, args).catch(() => {});
  }

  /**
   * Removes the jumps and every chain of the proxy (uninstall, tests) in one transaction: one `iptables` call per
   * chain would read the whole ruleset each time (hours with 11,000 chains).
   */
  removeAll(): Promise<void> {
    return this.mutex.run(async () => {
      const tables = splitTables(await this.tool("iptables-save", []));
      const fixed = proxyChains(this.prefix);
      const input: string[] = [];
      for (const table of ["nat", "filter"] as const) {
        const text = tables.get(table);
        if (!text) continue;
        const lines = text.split("\n");
        const ours = chainsIn(text).filter((c) => isServiceChain(this.prefix, c) || Object.values(fixed).includes(c));
        const jumps = lines.filter((l) => /^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l) && ours.some((c) => l.endsWith(`-j ${c}`)));
        if (!ours.length && !jumps.length) continue;
        input.push(`*${table}`, ...jumps.map((l) => `-D${l.slice(2)}`), ...ours.map((c) => `:${c} - [0:0]`), ...ours.map((c) => `-X ${c}`), "COMMIT");
      }
      if (input.length) await this.tool("iptables-restore", ["-w", "5", "--noflush"], input.join("\n") + "\n");
      this.applied.clear();
      this.inSync = false;
      this.hooksChecked = false;
    });
  }
}

/** iptables-save's output by table ("nat" → its lines). */
function splitTables(saved: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of saved.split(/^\*/m).slice(1)) {
    const nl = part.indexOf("\n");
    out.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  return out;
}

const chainsIn = (table: string) => [...table.matchAll(/^:(\S+) /gm)].map((m) => m[1]!);
const quote = (arg: string) => (/^[A-Za-z0-9_.:\/-]+$/.test(arg) ? arg : `"${arg}"`);
