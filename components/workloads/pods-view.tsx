"use client";
// /pods — every pod of the chosen namespace, live: kubectl's NAME, READY, STATUS, RESTARTS, AGE, then its host (a link
// to the Node's page) and address; filters by name, labels, status and host.
import { useMemo } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { humanAge } from "@/lib/k8s/human-age";
import { podView, type PodView } from "@/lib/workloads/pod-view";
import { Badge, type BadgeTone } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { NamespaceSwitcher, useNamespace, watchNamespace } from "@/components/kube/namespace-switcher";
import { ResourceTable, ListHeader, type Column, type ValueFilter } from "@/components/kube/resource-table";
import { A, CreateLink, editHref, objectHref } from "@/components/kube/links";

// One pod's view per object version: the watch replaces an object when it changes, so identity is the cache key.
const views = new WeakMap<KubeObject, PodView>();
export function viewOf(pod: KubeObject): PodView {
  let v = views.get(pod);
  if (!v) views.set(pod, (v = podView(pod, new Date())));
  return v;
}

export const TONE_BADGE: Record<PodView["tone"], BadgeTone> = { ok: "success", done: "neutral", pending: "warning", failed: "danger", gone: "neutral" };

const created = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? "") || 0;

function columnsFor(allNamespaces: boolean, canWrite: boolean): Column<KubeObject>[] {
  const cols: Column<KubeObject>[] = [
    {
      id: "name",
      header: "Name",
      sort: (o) => o.metadata.name ?? "",
      className: "font-medium",
      cell: (o) => <A href={objectHref("/pods", o.metadata.namespace, o.metadata.name!)}>{o.metadata.name}</A>,
    },
  ];
  if (allNamespaces) cols.push({ id: "namespace", header: "Namespace", sort: (o) => o.metadata.namespace ?? "", cell: (o) => o.metadata.namespace });
  cols.push(
    { id: "ready", header: "Ready", sort: (o) => viewOf(o).ready, cell: (o) => viewOf(o).ready },
    { id: "status", header: "Status", sort: (o) => viewOf(o).status, cell: (o) => <Badge tone={TONE_BADGE[viewOf(o).tone]}>{viewOf(o).status}</Badge> },
    // RESTARTS' "(5m ago)" follows the clock: computed at render, sorted by the count.
    { id: "restarts", header: "Restarts", sort: (o) => viewOf(o).restartCount, cell: (o, now) => podView(o, new Date(now)).restarts },
    { id: "age", header: "Age", sort: created, cell: (o, now) => humanAge(o.metadata.creationTimestamp, new Date(now)) },
    { id: "host", header: "Host", sort: (o) => viewOf(o).host, cell: (o) => (viewOf(o).host ? <A href={`/nodes/${encodeURIComponent(viewOf(o).host)}`}>{viewOf(o).host}</A> : <span className="text-slate-500">not scheduled</span>) },
    { id: "ip", header: "Pod IP", sort: (o) => ipKey(viewOf(o).podIP), className: "font-mono text-xs", cell: (o) => viewOf(o).podIP || "—" },
  );
  if (canWrite)
    cols.push({ id: "edit", header: "", cell: (o) => <A href={editHref("v1", "Pod", o.metadata.namespace, o.metadata.name!)}>Edit YAML</A> });
  return cols;
}

/** 10.1.2.30 sorts after 10.1.2.4. */
const ipKey = (ip: string) => (ip ? ip.split(".").map((p) => p.padStart(3, "0")).join(".") : "");

const FILTERS: ValueFilter<KubeObject>[] = [
  { label: "Status", param: "status", of: (o) => viewOf(o).status },
  { label: "Host", param: "host", of: (o) => viewOf(o).host },
];

export function PodsView({ canWrite }: { canWrite: boolean }) {
  const namespace = useNamespace();
  const list = useKubeList<KubeObject>(namespace ? { group: "", version: "v1", plural: "pods", namespace: watchNamespace(namespace) } : null);
  const columns = useMemo(() => columnsFor(!watchNamespace(namespace), canWrite), [namespace, canWrite]);
  return (
    <section className="space-y-6">
      <ListHeader title="Pods" description="Every pod, live: its containers' readiness and state as kubectl prints them, and the host it runs on.">
        <NamespaceSwitcher value={namespace} />
        {canWrite && <CreateLink namespace={namespace} what="pod" />}
      </ListHeader>
      <ResourceTable
        caption="Pods"
        {...list}
        columns={columns}
        filters={FILTERS}
        emptyText={namespace === "all" ? "No pods yet." : `No pods in ${namespace}.`}
      />
    </section>
  );
}
