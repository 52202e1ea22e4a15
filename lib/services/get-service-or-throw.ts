// One Service for the dashboard: its summary and every endpoint behind it — address, readiness, ports, the pod, and the
// host that pod runs on (a Node is the host of the same name).
import { db } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { systemClient } from "@/lib/k8s/system-client";
import { SERVICE_NAME_LABEL, type SliceEndpoint, type SlicePort } from "@/lib/k8s/kinds/endpoint-slice";
import { ipv4ToNumber } from "@/lib/network/cluster-cidrs";
import type { ServiceDetail, ServiceEndpointView } from "./schemas";
import { serviceSummaryOf } from "./service-view";

const reader = systemClient("gantry-dashboard");

export async function getServiceOrThrow(namespace: string, name: string): Promise<ServiceDetail> {
  const svc = await reader.get("services", namespace, name);
  if (!svc) throw notFound(`service ${namespace}/${name}`);
  const slices = (await reader.list("discovery.k8s.io/endpointslices", { namespace, labelSelector: `${SERVICE_NAME_LABEL}=${name}` })).items;
  const byIp = new Map<string, ServiceEndpointView>();
  for (const s of slices) {
    const ports: Record<string, number> = {};
    for (const p of (s.ports ?? []) as SlicePort[]) if (p.port !== undefined) ports[p.name ?? ""] = p.port;
    for (const e of (s.endpoints ?? []) as SliceEndpoint[]) {
      const ip = e.addresses?.[0];
      if (!ip) continue;
      const seen = byIp.get(ip);
      if (seen) {
        Object.assign(seen.ports, ports);
        continue;
      }
      byIp.set(ip, {
        ip,
        ready: e.conditions?.ready !== false,
        terminating: e.conditions?.terminating === true,
        ports: { ...ports },
        pod: e.targetRef?.kind === "Pod" && e.targetRef.name ? { namespace: e.targetRef.namespace ?? namespace, name: e.targetRef.name } : null,
        nodeName: e.nodeName ?? null,
        host: null,
      });
    }
  }
  const endpointList = [...byIp.values()].sort((a, b) => (ipv4ToNumber(a.ip) ?? 0) - (ipv4ToNumber(b.ip) ?? 0));
  const nodes = [...new Set(endpointList.map((e) => e.nodeName).filter((n): n is string => !!n))];
  if (nodes.length) {
    const hosts = await db.host.findMany({ where: { name: { in: nodes }, revokedAt: null }, select: { id: true, name: true, status: true }, orderBy: { id: "asc" } });
    const byName = new Map(hosts.map((h) => [h.name, h]));
    for (const e of endpointList) {
      const h = e.nodeName ? byName.get(e.nodeName) : undefined;
      if (h) e.host = { id: h.id, name: h.name, status: h.status };
    }
  }
  return { ...serviceSummaryOf(svc, slices), endpointList };
}
