// iptables rules of the network engine, kept declaratively: every rule Gantry needs is computed from the network
// records (bridges, endpoints, published ports) and written in one `iptables-restore --noflush` transaction that
// replaces the contents of Gantry's own chains — so a sync is idempotent, rules of removed containers (orphans after
// a crash) disappear on the next sync, and nobody else's rules are touched. The built-in chains only get one jump
// each into Gantry's chains (inserted once, checked on every sync).
//
// Chains (prefix P, "GANTRY" by default):
//   nat    P               DNAT of published ports; jumped to from PREROUTING and OUTPUT for local destinations,
//                          so a port answers on the host's addresses including 127.0.0.1 (as dockerd with its
//                          userland proxy off: route_localnet=1 on the bridge + MASQUERADE of 127.0.0.0/8 sources)
//   nat    P-POSTROUTING   outbound MASQUERADE per subnet; MASQUERADE of 127.0.0.0/8 sources and of DNATed
//                          connections from the bridge's own subnet (hairpin)
//   filter P-FORWARD       accept bridge traffic (works with a FORWARD policy of DROP), isolate networks from each other
//   filter P-ISOLATE       drops traffic leaving one Gantry bridge for another
//   filter P-INPUT         lets containers reach their network's DNS server on the gateway
import { run, HostToolError } from "./exec";
import { Mutex } from "./mutex";
import type { NetworkRecord } from "./types";

export interface RuleSet {
  nat: string[];
  filter: string[];
}

export function chainNames(prefix: string) {
  return {
    dnat: prefix,
    postrouting: `${prefix}-POSTROUTING`,
    forward: `${prefix}-FORWARD`,
    isolate: `${prefix}-ISOLATE`,
    input: `${prefix}-INPUT`,
  };
}

// iptables takes comments of at most 256 bytes; a network's name may be longer (dockerd takes any).
const comment = (text: string) => `-m comment --comment "${text.replace(/[^A-Za-z0-9=:._/ -]/g, "_").slice(0, 200)}"`;

/** Every rule of Gantry's chains for these networks, in iptables-restore syntax (pure: unit-testable). */
export function desiredRules(networks: NetworkRecord[], prefix: string, opts: { dns: boolean }): RuleSet {
  const c = chainNames(prefix);
  const nat: string[] = [];
  const filter: string[] = [];
  const bridges = networks.filter((n) => n.driver === "bridge" && n.bridge && n.subnet);
  for (const n of bridges) filter.push(`-A ${c.isolate} -o ${n.bridge} ${comment(`net ${n.name}`)} -j DROP`);
  for (const n of bridges) filter.push(`-A ${c.forward} -i ${n.bridge} ! -o ${n.bridge} -j ${c.isolate}`);
  for (const n of bridges) {
    const br = n.bridge!;
    const note = comment(`net ${n.name}`);
    // Pods reach other hosts' pods with their own address (the overlay routes the cluster CIDR); anything else leaving
    // the host is masqueraded as for any bridge.
    if (n.pod) nat.push(`-A ${c.postrouting} -s ${n.subnet} -d ${n.pod.clusterCIDR} ${note} -j RETURN`);
    if (!n.internal) nat.push(`-A ${c.postrouting} -s ${n.subnet} ! -o ${br} ${note} -j MASQUERADE`);
    nat.push(`-A ${c.postrouting} -s 127.0.0.0/8 -o ${br} ${note} -j MASQUERADE`);
    // Hairpin: a container reaching a published port (its own or a neighbour's) through a host address is DNATed
    // back onto its own bridge; without this the answer would go to it directly, from an address it never asked.
    if (!n.internal) nat.push(`-A ${c.postrouting} -s ${n.subnet} -o ${br} -m conntrack --ctstate DNAT ${note} -j MASQUERADE`);
    // The pod network is built in and has its DNS server too (network-service.ts's startDns): pods' resolv.conf names it.
    if (opts.dns && (!n.builtin || n.pod)) {
      filter.push(`-A ${c.input} -i ${br} -d ${n.gateway}/32 -p udp -m udp --dport 53 ${note} -j ACCEPT`);
    }
    filter.push(`-A ${c.forward} -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED ${note} -j ACCEPT`);
    // Other hosts' pods (through the overlay) open connections to this host's.
    if (n.pod) filter.push(`-A ${c.forward} -s ${n.pod.clusterCIDR} -o ${br} ${note} -j ACCEPT`);
    for (const ep of Object.values(n.endpoints)) {
      if (!ep.ipv4 || n.internal) continue;
      for (const p of ep.ports) {
        const note = comment(`ctr ${ep.containerId.slice(0, 12)} ${p.hostPort}/${p.protocol}`);
        const dst = p.hostIp === "0.0.0.0" ? "" : `-d ${p.hostIp}/32 `;
        nat.push(
          `-A ${c.dnat} ${dst}-p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} ${note} -j DNAT --to-destination ${ep.ipv4}:${p.containerPort}`,
        );
        filter.push(
          `-A ${c.forward} -d ${ep.ipv4}/32 -o ${br} -p ${p.protocol} -m ${p.protocol} --dport ${p.containerPort} ${note} -j ACCEPT`,
        );
      }
    }
    filter.push(`-A ${c.forward} -i ${br} -o ${br} ${note} -j ACCEPT`);
    if (n.internal) {
      filter.push(`-A ${c.forward} -i ${br} ! -o ${br} ${note} -j DROP`);
      filter.push(`-A ${c.forward} ! -i ${br} -o ${br} ${note} -j DROP`);
    } else {
      filter.push(`-A ${c.forward} -i ${br} ! -o ${br} ${note} -j ACCEPT`);
    }
  }
  return { nat, filter };
}

function hooks(prefix: string): { table: string; chain: string; spec: string[] }[] {
  const c = chainNames(prefix);
  const local = ["-m", "addrtype", "--dst-type", "LOCAL"];
  return [
    { table: "nat", chain: "PREROUTING", spec: [...local, "-j", c.dnat] },
    { table: "nat", chain: "OUTPUT", spec: [...local, "-j", c.dnat] },
    { table: "nat", chain: "POSTROUTING", spec: ["-j", c.postrouting] },
    { table: "filter", chain: "FORWARD", spec: ["-j", c.forward] },
    { table: "filter", chain: "INPUT", spec: ["-j", c.input] },
  ];
}

const iptables = (...args: string[]) => run("iptables", ["-w", "5", ...args]);

export class Firewall {
  private readonly mutex = new Mutex();
  private queued: Promise<void> | null = null;
  /** The jumps from the built-in chains were checked by this instance (checked again by `ensureHooks`). */
  private hooksChecked = false;

  constructor(
    readonly prefix: string,
    private readonly opts: { dns: boolean },
  ) {
    if (!/^[A-Z][A-Z0-9_]{0,15}$/.test(prefix)) throw new Error(`iptables chain prefix "${prefix}" must be 1-16 of A-Z, 0-9, _`);
  }

  /**
   * Brings Gantry's chains in line with `state()`, read when the sync actually starts. Calls made while one sync
   * waits share it; one running does not absorb later calls (they may carry newer state).
   */
  sync(state: () => NetworkRecord[]): Promise<void> {
    if (this.queued) return this.queued;
    const p = this.mutex.run(async () => {
      this.queued = null;
      await this.apply(state());
    });
    this.queued = p;
    return p;
  }

  private async apply(networks: NetworkRecord[]) {
    const c = chainNames(this.prefix);
    const rules = desiredRules(networks, this.prefix, this.opts);
    const input = [
      "*nat",
      `:${c.dnat} - [0:0]`,
      `:${c.postrouting} - [0:0]`,
      ...rules.nat,
      "COMMIT",
      "*filter",
      `:${c.forward} - [0:0]`,
      `:${c.isolate} - [0:0]`,
      `:${c.input} - [0:0]`,
      ...rules.filter,
      "COMMIT",
      "",
    ].join("\n");
    await run("iptables-restore", ["-w", "5", "--noflush"], { input });
    if (this.hooksChecked) return;
    for (const h of hooks(this.prefix)) {
      try {
        await iptables("-t", h.table, "-C", h.chain, ...h.spec);
      } catch (e) {
        if (!(e instanceof HostToolError)) throw e;
        await iptables("-t", h.table, "-I", h.chain, "1", ...h.spec);
      }
    }
    this.hooksChecked = true;
  }

  /** Makes the next sync check the jumps from the built-in chains again (the agent's start does this). */
  recheckHooks() {
    this.hooksChecked = false;
  }

  /** The rules as iptables lists them now (`-S`), for inspection and tests. */
  async listed(): Promise<RuleSet> {
    const c = chainNames(this.prefix);
    const list = async (table: string, chains: string[]) => {
      const out: string[] = [];
      for (const ch of chains) {
        try {
          out.push(...(await iptables("-t", table, "-S", ch)).split("\n").filter((l) => l.startsWith("-A")));
        } catch (e) {
          if (!(e instanceof HostToolError)) throw e;
        }
      }
      return out;
    };
    return { nat: await list("nat", [c.dnat, c.postrouting]), filter: await list("filter", [c.forward, c.isolate, c.input]) };
  }

  /** Whether any of these chains exists (one left behind by an agent that is gone, say). */
  async exists(): Promise<boolean> {
    const c = chainNames(this.prefix);
    for (const [table, chain] of [["nat", c.dnat], ["nat", c.postrouting], ["filter", c.forward], ["filter", c.isolate], ["filter", c.input]]) {
      try {
        await iptables("-t", table!, "-S", chain!);
        return true;
      } catch (e) {
        if (!(e instanceof HostToolError)) throw e;
      }
    }
    return false;
  }

  /** Removes the jumps and Gantry's chains (uninstall, tests). */
  removeAll(): Promise<void> {
    return this.mutex.run(async () => {
      this.hooksChecked = false;
      const c = chainNames(this.prefix);
      for (const h of hooks(this.prefix)) {
        for (let i = 0; i < 10; i++) {
          try {
            await iptables("-t", h.table, "-D", h.chain, ...h.spec);
          } catch {
            break;
          }
        }
      }
      for (const [table, chains] of [["nat", [c.dnat, c.postrouting]], ["filter", [c.forward, c.isolate, c.input]]] as const) {
        for (const ch of chains) await iptables("-t", table, "-F", ch).catch(() => {});
        for (const ch of chains) await iptables("-t", table, "-X", ch).catch(() => {});
      }
    });
  }
}
