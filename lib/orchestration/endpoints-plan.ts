// What a Service's Endpoints and EndpointSlices should hold, computed from the Service and the pods of its namespace
// (kube-controller-manager's endpoints and endpointslice controllers): the pods its selector matches that have an
// address and have not finished; each one's ports — a service port's targetPort given by name is looked up in that pod's
// containers (a pod that does not declare it does not serve that port); ready pods (the Ready condition) as addresses,
// the others as notReadyAddresses (all ready with publishNotReadyAddresses); a pod being deleted leaves the Endpoints
// and stays in the slices as terminating. Pods with the same ports share a subset (Endpoints) or a slice (at most 100
// endpoints each). Pure: the controller (endpoints-controller.ts) compares this with what is stored.
import type { EndpointAddress, EndpointPort, EndpointSubset } from "@/lib/k8s/kinds/endpoints";
import { MAX_ENDPOINTS_PER_SLICE, type SliceEndpoint, type SlicePort } from "@/lib/k8s/kinds/endpoint-slice";
import type { ContainerPort } from "@/lib/k8s/kinds/pod-types";
import { ipv4ToNumber } from "@/lib/network/cluster-cidrs";
import type { ServicePort, ServiceSpec } from "@/lib/services/service-spec";
import { selectorMatcher } from "./label-selector";
import type { KubeObject, Pod } from "./objects";
import { isReady, isTerminal } from "./pod-state";

export interface EndpointsPlan {
  subsets: EndpointSubset[];
  /** One entry per slice: its ports and endpoints. A Service with none gets one empty slice, as kube's controller
   *  keeps a placeholder. */
  slices: Array<{ ports: SlicePort[]; endpoints: SliceEndpoint[] }>;
}

const specOf = (svc: KubeObject) => (svc.spec ?? {}) as ServiceSpec;

/** Whether the endpoints controller keeps this Service's Endpoints: it has a selector and is not an ExternalName. */
export function managesEndpoints(svc: KubeObject): boolean {
  const spec = specOf(svc);
  return spec.type !== "ExternalName" && !!spec.selector && Object.keys(spec.selector).length > 0;
}

/** The Service's pods: those of its namespace its selector matches. */
export function selectedPods(svc: KubeObject, podsOfNamespace: Pod[]): Pod[] {
  const match = selectorMatcher(specOf(svc).selector);
  return podsOfNamespace.filter((p) => match(p.metadata.labels));
}

/** The port a service port's targetPort names in this pod (podutil.FindPort), or null when the pod has none such. */
export function resolveTargetPort(pod: Pod, port: ServicePort): number | null {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) {
    for (const cp of (c.ports ?? []) as ContainerPort[]) if (cp.name === target && (cp.protocol ?? "TCP") === protocol) return cp.containerPort;
  }
  return null;
}

const podIP = (p: Pod) => (p.status as { podIP?: string } | undefined)?.podIP ?? "";

export function planEndpoints(svc: KubeObject, pods: Pod[]): EndpointsPlan {
  const spec = specOf(svc);
  const svcName = svc.metadata.name!;
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const servicePorts = spec.ports ?? [];

  interface Member {
    pod: Pod;
    ip: string;
    ports: EndpointPort[];
    ready: boolean;
    terminating: boolean;
  }
  const members: Member[] = [];
  for (const pod of pods) {
    const ip = podIP(pod);
    if (!ip || ipv4ToNumber(ip) === null || isTerminal(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = resolveTargetPort(pod, sp);
      if (port === null) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    // A Service with ports whose pod serves none of them is not backed by that pod.
    if (servicePorts.length && !ports.length) continue;
    members.push({ pod, ip, ports, ready: publishNotReady || isReady(pod), terminating: !!pod.metadata.deletionTimestamp });
  }
  members.sort((a, b) => ipv4ToNumber(a.ip)! - ipv4ToNumber(b.ip)! || (a.pod.metadata.name ?? "").localeCompare(b.pod.metadata.name ?? ""));

  const address = (m: Member): EndpointAddress => {
    const ps = m.pod.spec as { hostname?: string; subdomain?: string; nodeName?: string } | undefined;
    return {
      ip: m.ip,
      ...(ps?.hostname && ps.subdomain === svcName ? { hostname: ps.hostname } : {}),
      ...(ps?.nodeName ? { nodeName: ps.nodeName } : {}),
      targetRef: { kind: "Pod", namespace: m.pod.metadata.namespace, name: m.pod.metadata.name, uid: m.pod.metadata.uid },
    };
  };
  const portsKey = (ports: Array<{ name?: string; port?: number; protocol?: string }>) => ports.map((p) => `${p.name ?? ""}:${p.port}/${p.protocol}`).join(",");

  // ---- Endpoints: subsets by port set; a pod being deleted is left out unless not-ready addresses are published ----
  const subsets = new Map<string, EndpointSubset>();
  for (const m of members) {
    if (m.terminating && !publishNotReady) continue;
    const key = portsKey(m.ports);
    let ss = subsets.get(key);
    if (!ss) subsets.set(key, (ss = { ...(m.ports.length ? { ports: m.ports } : {}) }));
    if (m.ready) (ss.addresses ??= []).push(address(m));
    else (ss.notReadyAddresses ??= []).push(address(m));
  }

  // ---- EndpointSlices: the same grouping, 100 endpoints a slice, terminating pods kept with their conditions ----
  const groups = new Map<string, { ports: SlicePort[]; endpoints: SliceEndpoint[] }>();
  for (const m of members) {
    const key = portsKey(m.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: m.ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })), endpoints: [] }));
    const a = address(m);
    g.endpoints.push({
      addresses: [m.ip],
      conditions: { ready: m.ready && !m.terminating, serving: m.ready, terminating: m.terminating },
      ...(a.hostname ? { hostname: a.hostname } : {}),
      targetRef: a.targetRef,
      ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    });
  }
  const slices: EndpointsPlan["slices"] = [];
  for (const g of groups.values())
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) slices.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
  if (!slices.length) slices.push({ ports: [], endpoints: [] });
  return { subsets: [...subsets.values()], slices };
}
