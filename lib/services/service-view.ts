// A Service and its EndpointSlices as the dashboard shows them (lib/services/schemas.ts): type, addresses, ports, and
// how many of its endpoints are ready and not (an endpoint without a ready condition counts as ready, as discovery/v1
// says; one in several slices — a port set each — is counted once).
import type { KubeObject } from "@/lib/k8s/meta";
import type { SliceEndpoint } from "@/lib/k8s/kinds/endpoint-slice";
import type { ServiceSummary } from "./schemas";
import type { ServiceSpec } from "./service-spec";

export function serviceSummaryOf(svc: KubeObject, slices: KubeObject[]): ServiceSummary {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const ready = new Set<string>();
  const all = new Set<string>();
  for (const s of slices)
    for (const e of (s.endpoints ?? []) as SliceEndpoint[]) {
      const ip = e.addresses?.[0];
      if (!ip) continue;
      all.add(ip);
      if (e.conditions?.ready !== false) ready.add(ip);
    }
  return {
    namespace: svc.metadata.namespace ?? "",
    name: svc.metadata.name ?? "",
    uid: svc.metadata.uid ?? "",
    type: spec.type ?? "ClusterIP",
    clusterIP: spec.clusterIP ?? null,
    externalName: spec.externalName ?? null,
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port, targetPort: p.targetPort ?? p.port, nodePort: p.nodePort ?? null })),
    selector: spec.selector && Object.keys(spec.selector).length ? spec.selector : null,
    sessionAffinity: spec.sessionAffinity ?? "None",
    endpoints: { ready: ready.size, notReady: all.size - ready.size },
    createdAt: svc.metadata.creationTimestamp ?? null,
  };
}
