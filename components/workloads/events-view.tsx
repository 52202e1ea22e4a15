"use client";
// /events — what happened in the chosen namespace, live and newest first: type, reason, the object it is about (a
// link to its page where there is one), the message and how many times; filters by object, kind and type.
import { useMemo } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { humanAge } from "@/lib/k8s/human-age";
import { eventView, type EventView } from "@/lib/workloads/event-view";
import { Badge } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { NamespaceSwitcher, useNamespace, watchNamespace } from "@/components/kube/namespace-switcher";
import { ResourceTable, ListHeader, type Column, type ValueFilter } from "@/components/kube/resource-table";
import { A, objectHref } from "@/components/kube/links";

const views = new WeakMap<KubeObject, EventView>();
const viewOf = (e: KubeObject) => {
  let v = views.get(e);
  if (!v) views.set(e, (v = eventView(e)));
  return v;
};

const PAGES: Record<string, string> = { Pod: "/pods", Deployment: "/deployments", ConfigMap: "/configmaps", Secret: "/secrets", Service: "/services" };

function objectLink(v: EventView) {
  if (v.kind === "Node") return <A href={`/nodes/${encodeURIComponent(v.objectName)}`}>{v.object}</A>;
  const base = PAGES[v.kind];
  return base && v.objectNamespace ? <A href={objectHref(base, v.objectNamespace, v.objectName)}>{v.object}</A> : v.object;
}

function columnsFor(allNamespaces: boolean): Column<KubeObject>[] {
  const cols: Column<KubeObject>[] = [
    { id: "seen", header: "Last seen", sort: (o) => viewOf(o).lastSeen, cell: (o, now) => (viewOf(o).lastSeen ? humanAge(new Date(viewOf(o).lastSeen).toISOString(), new Date(now)) : "—") },
    { id: "type", header: "Type", sort: (o) => viewOf(o).type, cell: (o) => <Badge tone={viewOf(o).type === "Warning" ? "warning" : "neutral"}>{viewOf(o).type}</Badge> },
    { id: "reason", header: "Reason", sort: (o) => viewOf(o).reason, cell: (o) => viewOf(o).reason },
    { id: "object", header: "Object", sort: (o) => viewOf(o).object, cell: (o) => objectLink(viewOf(o)) },
  ];
  if (allNamespaces) cols.push({ id: "namespace", header: "Namespace", sort: (o) => o.metadata.namespace ?? "", cell: (o) => o.metadata.namespace });
  cols.push(
    { id: "message", header: "Message", className: "max-w-md", cell: (o) => viewOf(o).message },
    { id: "count", header: "Count", sort: (o) => viewOf(o).count, cell: (o) => viewOf(o).count },
    { id: "source", header: "From", sort: (o) => viewOf(o).source, cell: (o) => viewOf(o).source },
  );
  return cols;
}

const FILTERS: ValueFilter<KubeObject>[] = [
  { label: "Type", param: "type", of: (o) => viewOf(o).type },
  { label: "Kind", param: "kind", of: (o) => viewOf(o).kind },
];
const BY_OBJECT = { label: "Object", of: (o: KubeObject) => viewOf(o).object };

export function EventsView() {
  const namespace = useNamespace();
  const list = useKubeList<KubeObject>(namespace ? { group: "", version: "v1", plural: "events", namespace: watchNamespace(namespace) } : null);
  const columns = useMemo(() => columnsFor(!watchNamespace(namespace)), [namespace]);
  return (
    <section className="space-y-6">
      <ListHeader title="Events" description="What the scheduler, the controllers and the hosts reported, live, newest first.">
        <NamespaceSwitcher value={namespace} />
      </ListHeader>
      <ResourceTable caption="Events" {...list} columns={columns} filters={FILTERS} nameFilter={BY_OBJECT} defaultSort={{ column: "seen", direction: "desc" }} emptyText="No events here." />
    </section>
  );
}
