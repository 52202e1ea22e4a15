"use client";
// /deployments — every Deployment of the chosen namespace, live: kubectl's READY, UP-TO-DATE, AVAILABLE and AGE, where
// its rollout stands, and its images; filters by name, labels and state.
import { useMemo } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { humanAge } from "@/lib/k8s/human-age";
import { deploymentView, type DeploymentView } from "@/lib/workloads/workload-view";
import { Badge } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { NamespaceSwitcher, useNamespace, watchNamespace } from "@/components/kube/namespace-switcher";
import { ResourceTable, ListHeader, type Column, type ValueFilter } from "@/components/kube/resource-table";
import { A, CreateLink, editHref, objectHref } from "@/components/kube/links";

const views = new WeakMap<KubeObject, DeploymentView>();
const viewOf = (d: KubeObject) => {
  let v = views.get(d);
  if (!v) views.set(d, (v = deploymentView(d)));
  return v;
};
const TONE = { Available: "success", Progressing: "info", Unavailable: "danger", Paused: "warning", "Scaled to 0": "neutral" } as const;

function columnsFor(allNamespaces: boolean, canWrite: boolean): Column<KubeObject>[] {
  const cols: Column<KubeObject>[] = [
    { id: "name", header: "Name", className: "font-medium", sort: (o) => o.metadata.name ?? "", cell: (o) => <A href={objectHref("/deployments", o.metadata.namespace, o.metadata.name!)}>{o.metadata.name}</A> },
  ];
  if (allNamespaces) cols.push({ id: "namespace", header: "Namespace", sort: (o) => o.metadata.namespace ?? "", cell: (o) => o.metadata.namespace });
  cols.push(
    { id: "ready", header: "Ready", sort: (o) => viewOf(o).desired, cell: (o) => viewOf(o).ready },
    { id: "updated", header: "Up-to-date", sort: (o) => viewOf(o).upToDate, cell: (o) => viewOf(o).upToDate },
    { id: "available", header: "Available", sort: (o) => viewOf(o).available, cell: (o) => viewOf(o).available },
    { id: "state", header: "State", sort: (o) => viewOf(o).state, cell: (o) => <Badge tone={TONE[viewOf(o).state as keyof typeof TONE] ?? "neutral"}>{viewOf(o).state}</Badge> },
    { id: "age", header: "Age", sort: (o) => Date.parse(o.metadata.creationTimestamp ?? "") || 0, cell: (o, now) => humanAge(o.metadata.creationTimestamp, new Date(now)) },
    { id: "images", header: "Images", sort: (o) => viewOf(o).images, className: "font-mono text-xs", cell: (o) => viewOf(o).images },
  );
  if (canWrite)
    cols.push({ id: "edit", header: "", cell: (o) => <A href={editHref("apps/v1", "Deployment", o.metadata.namespace, o.metadata.name!)}>Edit YAML</A> });
  return cols;
}

const FILTERS: ValueFilter<KubeObject>[] = [{ label: "State", param: "state", of: (o) => viewOf(o).state }];

export function DeploymentsView({ canWrite }: { canWrite: boolean }) {
  const namespace = useNamespace();
  const list = useKubeList<KubeObject>(namespace ? { group: "apps", version: "v1", plural: "deployments", namespace: watchNamespace(namespace) } : null);
  const columns = useMemo(() => columnsFor(!watchNamespace(namespace), canWrite), [namespace, canWrite]);
  return (
    <section className="space-y-6">
      <ListHeader title="Deployments" description="Replicated workloads, live: how many replicas are ready, up to date and available, and where each rollout stands.">
        <NamespaceSwitcher value={namespace} />
        {canWrite && <CreateLink namespace={namespace} what="deployment" />}
      </ListHeader>
      <ResourceTable caption="Deployments" {...list} columns={columns} filters={FILTERS} emptyText="No Deployments here yet." />
    </section>
  );
}
