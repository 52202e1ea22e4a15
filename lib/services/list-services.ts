// The Services of the cluster (or of one namespace) with their endpoint counts, for the dashboard's Services page: those
// in the namespaces the actor may read.
import type { Actor } from "@/lib/auth/policy";
import { systemClient } from "@/lib/k8s/system-client";
import { keepVisible, visibleNamespaces } from "@/lib/k8s/visible-namespaces";
import { SERVICE_NAME_LABEL } from "@/lib/k8s/kinds/endpoint-slice";
import type { KubeObject } from "@/lib/k8s/meta";
import type { ServiceList } from "./schemas";
import { serviceSummaryOf } from "./service-view";

const reader = systemClient("gantry-dashboard");

export async function listServices(actor: Actor, query: { namespace?: string }): Promise<ServiceList> {
  const visible = visibleNamespaces(actor, "k8s.read", query.namespace);
  const [services, slices] = await Promise.all([
    reader.list("services", { namespace: query.namespace }),
    reader.list("discovery.k8s.io/endpointslices", { namespace: query.namespace }),
  ]);
  const byService = new Map<string, KubeObject[]>();
  for (const s of slices.items) {
    const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!name) continue;
    const key = `${s.metadata.namespace}/${name}`;
    byService.set(key, [...(byService.get(key) ?? []), s]);
  }
  return { items: keepVisible(services.items.map((svc) => serviceSummaryOf(svc, byService.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? [])), visible) };
}
