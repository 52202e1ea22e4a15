// Cluster DNS: the names of the cluster domain ("cluster.local"), answered from the service table by the agent's
// embedded DNS (agent/network/dns.ts) on every address it listens on — as CoreDNS's kubernetes plugin answers them:
//   <svc>.<ns>.svc.<domain>                 A: the ClusterIP; headless: the ready endpoints' addresses (all of them with
//                                           publishNotReadyAddresses); ExternalName: a CNAME to its external name
//   <host>.<svc>.<ns>.svc.<domain>          A of a headless service's endpoint: its hostname, or its address a-b-c-d
//   _<port>._<proto>.<svc>.<ns>.svc.<domain> SRV of a named port: the service's name (headless: each endpoint's)
//   <a-b-c-d>.<ns>.pod.<domain>             A a.b.c.d (CoreDNS's "pods insecure")
// Any other name inside the domain is NXDOMAIN (never asked upstream); names outside it are not this resolver's (null).
// Short names reach here whole: pods' resolv.conf searches <ns>.svc.<domain>, svc.<domain> and <domain>.
import type { Records } from "../network/dns";
import { TYPE_A, TYPE_SRV } from "../network/dns";
import type { AgentService } from "../../lib/protocol/services";
import type { ServiceTable } from "./service-table";

const IPV4_DASHED = /^(25[0-5]|2[0-4]\d|1?\d?\d)(-(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** The endpoints DNS names: ready ones, and not-ready ones too when the service publishes them. */
function published(s: AgentService) {
  return s.endpoints.filter((e) => e.ready || s.publishNotReadyAddresses);
}

const endpointLabel = (e: { ip: string; hostname?: string }) => e.hostname ?? e.ip.replace(/\./g, "-");

/** Records for `name` in the cluster domain; null when the name is outside it. */
export function resolveClusterName(table: ServiceTable, name: string, type: number): Records | "nxdomain" | null {
  const q = name.replace(/\.$/, "").toLowerCase();
  const domain = table.clusterDomain;
  if (q !== domain && !q.endsWith(`.${domain}`)) return null;
  const labels = q === domain ? [] : q.slice(0, -(domain.length + 1)).split(".");
  const only = (r: Records, t: number) => (type === t ? r : {});

  // <a-b-c-d>.<ns>.pod
  if (labels.length === 3 && labels[2] === "pod") {
    if (!IPV4_DASHED.test(labels[0]!)) return "nxdomain";
    return only({ a: [labels[0]!.replace(/-/g, ".")] }, TYPE_A);
  }
  if (labels.at(-1) !== "svc") {
    // The domain itself, <ns>.pod, pod: names that exist without records of their own.
    return labels.length === 0 || (labels.length <= 2 && labels.at(-1) === "pod") ? {} : "nxdomain";
  }
  const rest = labels.slice(0, -1); // before "svc"
  if (rest.length <= 1) return {}; // svc.<domain>, <ns>.svc.<domain>: zone names
  const [svcName, ns] = rest.slice(-2) as [string, string];
  const s = table.get(`${ns}/${svcName}`);
  if (!s) return "nxdomain";
  const base = `${svcName}.${ns}.svc.${domain}`;
  const head = rest.slice(0, -2);

  if (head.length === 0) {
    if (s.type === "ExternalName" && s.externalName) return { cname: s.externalName.replace(/\.$/, "") };
    const a = s.clusterIP !== null ? [s.clusterIP] : [...new Set(published(s).map((e) => e.ip))];
    return only({ a }, TYPE_A);
  }
  if (head.length === 1) {
    // An endpoint of a headless service.
    if (s.clusterIP !== null) return "nxdomain";
    const ips = published(s).filter((e) => endpointLabel(e) === head[0]).map((e) => e.ip);
    return ips.length ? only({ a: [...new Set(ips)] }, TYPE_A) : "nxdomain";
  }
  if (head.length === 2 && head[0]!.startsWith("_") && head[1]!.startsWith("_")) {
    const portName = head[0]!.slice(1);
    const protocol = head[1]!.slice(1).toUpperCase();
    const port = s.ports.find((p) => p.name !== "" && p.name === portName && p.protocol === protocol);
    if (!port) return "nxdomain";
    if (s.clusterIP !== null) return only({ srv: [{ priority: 0, weight: 100, port: port.port, target: base }] }, TYPE_SRV);
    const srv = published(s)
      .filter((e) => e.ports[port.name] !== undefined)
      .map((e) => ({ priority: 0, weight: 100, port: e.ports[port.name]!, target: `${endpointLabel(e)}.${base}` }));
    return srv.length ? only({ srv }, TYPE_SRV) : "nxdomain";
  }
  return "nxdomain";
}
