// A Service and its EndpointSlices as every host's service proxy and DNS take them (lib/protocol/services.ts): the
// virtual IP, the ports with their node ports, affinity, and each endpoint with its address, readiness, node, pod and —
// per service port — the port its targetPort resolved to in that pod (the slice's port of the same name). A slice
// endpoint without a ready condition counts as ready (discovery/v1: unknown means ready). Null for what the protocol
// cannot carry (it says why), which the caller leaves out.
import type { KubeObject } from "@/lib/k8s/meta";
import type { SliceEndpoint, SlicePort } from "@/lib/k8s/kinds/endpoint-slice";
import { ipv4ToNumber } from "@/lib/network/cluster-cidrs";
import { describeZodError } from "@/lib/protocol";
import { AgentService, type ServiceEndpoint } from "@/lib/protocol/services";
import { DEFAULT_AFFINITY_TIMEOUT, type ServiceSpec } from "./service-spec";

const MAX_ENDPOINTS = 5000;

export function toAgentService(svc: KubeObject, slices: KubeObject[]): { service: AgentService } | { error: string } {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const type = (spec.type ?? "ClusterIP") as AgentService["type"];
  const clusterIP = spec.clusterIP && ipv4ToNumber(spec.clusterIP) !== null ? spec.clusterIP : null;
  const portNames = new Set((spec.ports ?? []).map((p) => p.name ?? ""));
  const endpoints: ServiceEndpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType !== "IPv4") continue;
    const ports: Record<string, number> = {};
    for (const p of (slice.ports ?? []) as SlicePort[]) if (p.port !== undefined && portNames.has(p.name ?? "")) ports[p.name ?? ""] = p.port;
    for (const e of (slice.endpoints ?? []) as SliceEndpoint[]) {
      const ip = e.addresses?.[0];
      if (!ip || seen.has(ip) || endpoints.length >= MAX_ENDPOINTS) continue;
      seen.add(ip);
      endpoints.push({
        ip,
        ready: e.conditions?.ready !== false,
        ...(e.hostname ? { hostname: e.hostname } : {}),
        nodeName: e.nodeName ?? "",
        podName: e.targetRef?.name ?? "",
        ports,
      });
    }
  }
  endpoints.sort((a, b) => ipv4ToNumber(a.ip)! - ipv4ToNumber(b.ip)!);
  const candidate = {
    namespace: svc.metadata.namespace!,
    name: svc.metadata.name!,
    uid: svc.metadata.uid!,
    type,
    clusterIP,
    ...(type === "ExternalName" && spec.externalName ? { externalName: spec.externalName } : {}),
    sessionAffinity: spec.sessionAffinity === "ClientIP" ? "ClientIP" : "None",
    affinityTimeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT,
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port, ...(p.nodePort ? { nodePort: p.nodePort } : {}) })),
    endpoints,
  };
  const parsed = AgentService.safeParse(candidate);
  return parsed.success ? { service: parsed.data } : { error: describeZodError(parsed.error) };
}
