"use client";
// /replicasets — ReplicaSets and ReplicationControllers of the chosen namespace, live, in one list: kubectl's DESIRED,
// CURRENT, READY and AGE, who controls each (a Deployment's page) and a link to its pods.
import { useMemo } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { humanAge } from "@/lib/k8s/human-age";
import { replicaSetView } from "@/lib/workloads/workload-view";
import { controllerOf } from "@/lib/workloads/pod-view";
import { useKubeList } from "@/components/kube/use-kube-list";
import { NamespaceSwitcher, useNamespace, watchNamespace } from "@/components/kube/namespace-switcher";
import { ResourceTable, ListHeader, type Column, type ValueFilter } from "@/components/kube/resource-table";
import { A, CreateLink, editHref, listHref, objectHref } from "@/components/kube/links";

type Kind = "ReplicaSet" | "ReplicationController";
/** The list's objects carry the kind they were watched as (the two lists are merged). */
type Tagged = KubeObject & { gantryKind: Kind };
const kindOf = (o: Tagged) => o.gantryKind;
const view = (o: Tagged) => replicaSetView(o, o.gantryKind);

function columnsFor(allNamespaces: boolean, canWrite: boolean): Column<Tagged>[] {
  const cols: Column<Tagged>[] = [{ id: "name", header: "Name", className: "font-medium", sort: (o) => o.metadata.name ?? "", cell: (o) => o.metadata.name }];
  if (allNamespaces) cols.push({ id: "namespace", header: "Namespace", sort: (o) => o.metadata.namespace ?? "", cell: (o) => o.metadata.namespace });
  cols.push(
    { id: "kind", header: "Kind", sort: kindOf, cell: kindOf },
    { id: "desired", header: "Desired", sort: (o) => view(o).desired, cell: (o) => view(o).desired },
    { id: "current", header: "Current", sort: (o) => view(o).current, cell: (o) => view(o).current },
    { id: "ready", header: "Ready", sort: (o) => view(o).ready, cell: (o) => view(o).ready },
    { id: "age", header: "Age", sort: (o) => Date.parse(o.metadata.creationTimestamp ?? "") || 0, cell: (o, now) => humanAge(o.metadata.creationTimestamp, new Date(now)) },
    {
      id: "owner",
      header: "Controlled by",
      sort: (o) => controllerOf(o)?.name ?? "",
      cell: (o) => {
        const c = controllerOf(o);
        if (!c) return <span className="text-slate-500">—</span>;
        return c.kind === "Deployment" ? <A href={objectHref("/deployments", o.metadata.namespace, c.name)}>{`Deployment ${c.name}`}</A> : `${c.kind} ${c.name}`;
      },
    },
    { id: "pods", header: "Pods", cell: (o) => <A href={listHref("/pods", o.metadata.namespace, view(o).selector)} label={`Pods of ${o.metadata.name}`}>pods</A> },
  );
  if (canWrite)
    cols.push({ id: "edit", header: "", cell: (o) => <A href={editHref(o.gantryKind === "ReplicaSet" ? "apps/v1" : "v1", o.gantryKind, o.metadata.namespace, o.metadata.name!)}>Edit YAML</A> });
  return cols;
}

const FILTERS: ValueFilter<Tagged>[] = [{ label: "Kind", param: "kind", of: kindOf }];
const tagged = new WeakMap<KubeObject, Tagged>();
const tag = (o: KubeObject, kind: Kind): Tagged => {
  let t = tagged.get(o);
  if (!t) tagged.set(o, (t = { ...o, gantryKind: kind }));
  return t;
};

export function ReplicaSetsView({ canWrite }: { canWrite: boolean }) {
  const namespace = useNamespace();
  const ns = watchNamespace(namespace);
  const rs = useKubeList<KubeObject>(namespace ? { group: "apps", version: "v1", plural: "replicasets", namespace: ns } : null);
  const rc = useKubeList<KubeObject>(namespace ? { group: "", version: "v1", plural: "replicationcontrollers", namespace: ns } : null);
  const items = useMemo(() => [...rs.items.map((o) => tag(o, "ReplicaSet")), ...rc.items.map((o) => tag(o, "ReplicationController"))], [rs.items, rc.items]);
  const columns = useMemo(() => columnsFor(!ns, canWrite), [ns, canWrite]);
  return (
    <section className="space-y-6">
      <ListHeader title="ReplicaSets" description="ReplicaSets and ReplicationControllers, live: how many pods each wants, has and has ready.">
        <NamespaceSwitcher value={namespace} />
        {canWrite && <CreateLink namespace={namespace} what="replica set" />}
      </ListHeader>
      <ResourceTable
        caption="ReplicaSets and ReplicationControllers"
        items={items}
        synced={rs.synced && rc.synced}
        error={rs.error ?? rc.error}
        columns={columns}
        filters={FILTERS}
        emptyText="No ReplicaSets or ReplicationControllers here yet."
      />
    </section>
  );
}
