"use client";
// /services — every Service of the chosen namespace (or all): type, cluster IP, ports and how many endpoints are ready
// and not. Live: Services and their EndpointSlices are watched over the browser socket, so readiness changes show as
// they happen, without polling.
import { useMemo } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { serviceSummaryOf } from "@/lib/services/service-view";
import type { ServiceSummary } from "@/lib/services/schemas";
import { LocalTime } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { NamespaceSwitcher, useNamespace, watchNamespace } from "@/components/kube/namespace-switcher";
import { ResourceTable, ListHeader, type Column, type ValueFilter } from "@/components/kube/resource-table";
import { A, CreateLink, editHref, objectHref } from "@/components/kube/links";
import { EndpointCounts } from "./endpoint-counts";
import { formatClusterIP, formatPorts } from "./format";

/** The label an EndpointSlice names its Service by (discovery.k8s.io). */
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

type Row = KubeObject & { summary: ServiceSummary };

function columnsFor(allNamespaces: boolean, canWrite: boolean): Column<Row>[] {
  const cols: Column<Row>[] = [
    { id: "name", header: "Name", className: "font-medium", sort: (o) => o.summary.name, cell: (o) => <A href={objectHref("/services", o.summary.namespace, o.summary.name)}>{o.summary.name}</A> },
  ];
  if (allNamespaces) cols.push({ id: "namespace", header: "Namespace", sort: (o) => o.summary.namespace, cell: (o) => o.summary.namespace });
  cols.push(
    { id: "type", header: "Type", sort: (o) => o.summary.type, cell: (o) => o.summary.type },
    { id: "ip", header: "Cluster IP", className: "font-mono text-xs", sort: (o) => formatClusterIP(o.summary), cell: (o) => formatClusterIP(o.summary) },
    { id: "ports", header: "Ports", className: "font-mono text-xs", cell: (o) => formatPorts(o.summary.ports) },
    {
      id: "endpoints",
      header: "Endpoints",
      sort: (o) => o.summary.endpoints.ready,
      cell: (o) => (o.summary.type === "ExternalName" ? <span className="text-slate-500">not used</span> : <EndpointCounts endpoints={o.summary.endpoints} />),
    },
    { id: "created", header: "Created", sort: (o) => Date.parse(o.summary.createdAt ?? "") || 0, cell: (o) => <LocalTime iso={o.summary.createdAt ?? ""} /> },
  );
  if (canWrite) cols.push({ id: "edit", header: "", cell: (o) => <A href={editHref("v1", "Service", o.summary.namespace, o.summary.name)}>Edit YAML</A> });
  return cols;
}

const FILTERS: ValueFilter<Row>[] = [{ label: "Type", param: "type", of: (o) => o.summary.type }];

// A row per Service version and its slices' versions: unchanged pairs keep their row object (and skip re-rendering).
const rows = new WeakMap<KubeObject, { slices: KubeObject[]; row: Row }>();
function rowOf(svc: KubeObject, slices: KubeObject[]): Row {
  const hit = rows.get(svc);
  if (hit && hit.slices.length === slices.length && hit.slices.every((s, i) => s === slices[i])) return hit.row;
  const row = { ...svc, summary: serviceSummaryOf(svc, slices) };
  rows.set(svc, { slices, row });
  return row;
}

export function ServicesView({ canWrite = false }: { canWrite?: boolean }) {
  const namespace = useNamespace();
  const ns = watchNamespace(namespace);
  const services = useKubeList<KubeObject>(namespace ? { group: "", version: "v1", plural: "services", namespace: ns } : null);
  const slices = useKubeList<KubeObject>(namespace ? { group: "discovery.k8s.io", version: "v1", plural: "endpointslices", namespace: ns } : null);
  const items = useMemo(() => {
    const byService = new Map<string, KubeObject[]>();
    for (const s of slices.items) {
      const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!name) continue;
      const key = `${s.metadata.namespace}/${name}`;
      byService.set(key, [...(byService.get(key) ?? []), s]);
    }
    return services.items.map((svc) => rowOf(svc, byService.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? []));
  }, [services.items, slices.items]);
  const columns = useMemo(() => columnsFor(!ns, canWrite), [ns, canWrite]);
  return (
    <section className="space-y-6">
      <ListHeader title="Services" description="A stable address and name in front of the ready pods a selector picks, on every host.">
        <NamespaceSwitcher value={namespace} />
        {canWrite && <CreateLink namespace={namespace} what="service" />}
      </ListHeader>
      <ResourceTable
        caption="Services"
        items={items}
        synced={services.synced && slices.synced}
        error={services.error ?? slices.error}
        columns={columns}
        filters={FILTERS}
        emptyText={ns ? `No Services in ${ns}.` : "No Services yet. Create one with kubectl or gantry apply."}
      />
    </section>
  );
}
