// The service proxy's iptables rules, computed from the service table (pure: unit-testable). The design is
// kube-proxy's iptables mode, in Gantry's own chains (prefix P, the network engine's chain prefix, "GANTRY" by default):
//
//   nat    P-SERVICES      jumped to from PREROUTING (pods, other hosts) and OUTPUT (this host): one rule per
//                          ClusterIP:port → its service chain; last, local destinations → P-NODEPORTS
//   nat    P-NODEPORTS     per NodePort: mark for masquerade, then → the service chain
//   nat    P-SVC-<hash>    one per service port: ClientIP affinity (`-m recent --rcheck`) first, then a random
//                          ready endpoint — rule i of n matches with probability 1/(n-i), the last always
//   nat    P-SEP-<hash>    one per endpoint of a service port: marks hairpin traffic (an endpoint reaching itself)
//                          for masquerade, records the client for affinity, DNATs to the endpoint
//   nat    P-SVC-POST      jumped to from POSTROUTING: MASQUERADE of marked connections (the mark is cleared first)
//   filter P-SVC-FILTER    jumped to from INPUT, FORWARD, OUTPUT: REJECT (icmp port-unreachable) for a ClusterIP or
//                          NodePort with no ready endpoint; drops 127.0.0.0/8 traffic that did not come from this
//                          host (route_localnet is on for NodePorts on 127.0.0.1 — kube-proxy's CVE-2020-8558 guard)
//   filter P-SVC-FWD       jumped to from FORWARD: accepts service traffic (a FORWARD policy of DROP stays)
//
// Per-service chain names are a hash of the service port (namespace/name:port/protocol) and, for endpoints, of the
// endpoint too: stable across syncs and restarts, so a sync rewrites only the chains of services that changed and
// affinity lists (named after the endpoint chain) survive.
import { createHash } from "node:crypto";
import type { AgentService, ServicePortSpec } from "../../lib/protocol/services";

/** The bit marking a connection for masquerade in POSTROUTING (kube-proxy's 0x4000). */
export const MASQ_MARK = "0x4000";

export function proxyChains(prefix: string) {
  return {
    services: `${prefix}-SERVICES`,
    nodePorts: `${prefix}-NODEPORTS`,
    post: `${prefix}-SVC-POST`,
    filter: `${prefix}-SVC-FILTER`,
    forward: `${prefix}-SVC-FWD`,
  };
}

/** iptables chain names are at most 28 characters; the hash takes what the prefix leaves (16 at most). */
export function hashLength(prefix: string): number {
  return Math.min(16, 28 - prefix.length - "-SVC-".length);
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes: Buffer, n: number): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < n) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= n) break;
  }
  return out;
}
const hash = (text: string, n: number) => base32(createHash("sha256").update(text).digest(), n);

const portId = (s: AgentService, p: ServicePortSpec) => `${s.namespace}/${s.name}:${p.name}/${p.protocol}`;

export function serviceChain(prefix: string, s: AgentService, p: ServicePortSpec): string {
  return `${prefix}-SVC-${hash(portId(s, p), hashLength(prefix))}`;
}

export function endpointChain(prefix: string, s: AgentService, p: ServicePortSpec, ip: string, port: number): string {
  return `${prefix}-SEP-${hash(`${portId(s, p)}>${ip}:${port}`, hashLength(prefix))}`;
}

/** Whether a chain name is one of the per-service chains of this prefix (for sweeping stale ones). */
export function isServiceChain(prefix: string, chain: string): boolean {
  const n = hashLength(prefix);
  return chain.length === prefix.length + 5 + n && (chain.startsWith(`${prefix}-SVC-`) || chain.startsWith(`${prefix}-SEP-`)) && /^[A-Z2-7]+$/.test(chain.slice(-n));
}

const comment = (text: string) => `-m comment --comment "${text.replace(/[^A-Za-z0-9=:._/ -]/g, "_").slice(0, 200)}"`;

/** The ready endpoints serving port `p` of `s`, in a stable order: [ip, targetPort]. */
export function readyEndpoints(s: AgentService, p: ServicePortSpec): [string, number][] {
  const out: [string, number][] = [];
  for (const e of s.endpoints) {
    const port = e.ports[p.name];
    if (e.ready && port !== undefined) out.push([e.ip, port]);
  }
  return out.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
}

/** The proxied ports of a service: none for headless and ExternalName services. SCTP is left to a later version. */
export function proxiedPorts(s: AgentService): ServicePortSpec[] {
  if (s.clusterIP === null || s.type === "ExternalName") return [];
  return s.ports.filter((p) => p.protocol !== "SCTP");
}

const proto = (p: ServicePortSpec) => p.protocol.toLowerCase();

/** A service's own chains (P-SVC-*, P-SEP-*) with their rules, chain → rules. */
export function serviceChainRules(prefix: string, s: AgentService): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const p of proxiedPorts(s)) {
    const eps = readyEndpoints(s, p);
    if (!eps.length) continue;
    const svc = serviceChain(prefix, s, p);
    const note = comment(`${s.namespace}/${s.name}:${p.name || p.port}`);
    const rules: string[] = [];
    const seps = eps.map(([ip, port]) => endpointChain(prefix, s, p, ip, port));
    if (s.sessionAffinity === "ClientIP") {
      for (const sep of seps) {
        rules.push(`-A ${svc} ${note} -m recent --name ${sep} --rcheck --seconds ${s.affinityTimeoutSeconds} --reap -j ${sep}`);
      }
    }
    seps.forEach((sep, i) => {
      const n = seps.length - i;
      const pick = n > 1 ? `-m statistic --mode random --probability ${(1 / n).toFixed(11)} ` : "";
      rules.push(`-A ${svc} ${note} ${pick}-j ${sep}`);
    });
    chains.set(svc, rules);
    eps.forEach(([ip, port], i) => {
      const sep = seps[i]!;
      const affinity = s.sessionAffinity === "ClientIP" ? `-m recent --name ${sep} --set ` : "";
      chains.set(sep, [
        `-A ${sep} ${note} -s ${ip}/32 -j MARK --or-mark ${MASQ_MARK}`,
        `-A ${sep} ${note} -p ${proto(p)} -m ${proto(p)} ${affinity}-j DNAT --to-destination ${ip}:${port}`,
      ]);
    });
  }
  return chains;
}

/** The shared chains, written whole on every sync: the dispatch, the NodePorts, masquerade and the filter rules. */
export function sharedRules(prefix: string, services: Iterable<AgentService>): { nat: Map<string, string[]>; filter: Map<string, string[]> } {
  const c = proxyChains(prefix);
  const dispatch: string[] = [];
  const nodePorts: string[] = [];
  const filter: string[] = [];
  for (const s of services) {
    for (const p of proxiedPorts(s)) {
      const note = comment(`${s.namespace}/${s.name}:${p.name || p.port}`);
      const match = `-p ${proto(p)} -m ${proto(p)}`;
      const ready = readyEndpoints(s, p).length > 0;
      const nodePort = (s.type === "NodePort" || s.type === "LoadBalancer") && p.nodePort !== undefined ? p.nodePort : null;
      if (ready) {
        const svc = serviceChain(prefix, s, p);
        dispatch.push(`-A ${c.services} -d ${s.clusterIP}/32 ${match} --dport ${p.port} ${note} -j ${svc}`);
        if (nodePort !== null) {
          nodePorts.push(`-A ${c.nodePorts} ${match} --dport ${nodePort} ${note} -j MARK --or-mark ${MASQ_MARK}`);
          nodePorts.push(`-A ${c.nodePorts} ${match} --dport ${nodePort} ${note} -j ${svc}`);
        }
      } else {
        const reject = `-m conntrack --ctstate NEW ${note} -j REJECT --reject-with icmp-port-unreachable`;
        filter.push(`-A ${c.filter} -d ${s.clusterIP}/32 ${match} --dport ${p.port} ${reject}`);
        if (nodePort !== null) filter.push(`-A ${c.filter} -m addrtype --dst-type LOCAL ${match} --dport ${nodePort} ${reject}`);
      }
    }
  }
  dispatch.push(`-A ${c.services} -m addrtype --dst-type LOCAL ${comment("node ports")} -j ${c.nodePorts}`);
  filter.push(`-A ${c.filter} ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT ${comment("no localnet from outside")} -j DROP`);
  const post = [
    `-A ${c.post} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A ${c.post} -j MARK --xor-mark ${MASQ_MARK}`,
    `-A ${c.post} ${comment("service traffic requiring SNAT")} -j MASQUERADE --random-fully`,
  ];
  const forward = [
    `-A ${c.forward} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} ${comment("service traffic")} -j ACCEPT`,
    `-A ${c.forward} -m conntrack --ctstate DNAT ${comment("service traffic")} -j ACCEPT`,
  ];
  return {
    nat: new Map([
      [c.services, dispatch],
      [c.nodePorts, nodePorts],
      [c.post, post],
    ]),
    filter: new Map([
      [c.filter, filter],
      [c.forward, forward],
    ]),
  };
}

/** The jumps from the built-in chains into Gantry's (inserted first, once). */
export function proxyHooks(prefix: string): { table: string; chain: string; spec: string[] }[] {
  const c = proxyChains(prefix);
  const portals = ["-m", "comment", "--comment", "gantry service portals", "-j", c.services];
  return [
    { table: "nat", chain: "PREROUTING", spec: portals },
    { table: "nat", chain: "OUTPUT", spec: portals },
    { table: "nat", chain: "POSTROUTING", spec: ["-j", c.post] },
    { table: "filter", chain: "INPUT", spec: ["-j", c.filter] },
    { table: "filter", chain: "FORWARD", spec: ["-j", c.filter] },
    { table: "filter", chain: "OUTPUT", spec: ["-j", c.filter] },
    { table: "filter", chain: "FORWARD", spec: ["-j", c.forward] },
  ];
}
