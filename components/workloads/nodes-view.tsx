"use client";
// /nodes — the hosts as Kubernetes Nodes, live: ready or not, cordoned, how many pods each runs, and CPU and memory
// asked by those pods against what the node offers.
import { useMemo } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { humanAge } from "@/lib/k8s/human-age";
import { formatBytes, formatCpu, nodeView, type NodeView } from "@/lib/workloads/node-view";
import { Badge } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { ResourceTable, ListHeader, type Column, type ValueFilter } from "@/components/kube/resource-table";
import { A, editHref } from "@/components/kube/links";

type NodeRow = KubeObject & { view: NodeView };

/** Pods by the node they are bound to. */
export function podsByNode(pods: readonly KubeObject[]): Map<string, KubeObject[]> {
  const out = new Map<string, KubeObject[]>();
  for (const p of pods) {
    const node = (p.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!node) continue;
    const list = out.get(node);
    if (list) list.push(p);
    else out.set(node, [p]);
  }
  return out;
}

export function NodeStatus({ view }: { view: NodeView }) {
  return (
    <span className="inline-flex flex-wrap gap-1">
      <Badge tone={view.ready === "Ready" ? "success" : "danger"}>{view.ready}</Badge>
      {view.cordoned && <Badge tone="warning">cordoned</Badge>}
    </span>
  );
}

const usage = (used: string, of: string | null) => (of ? `${used} / ${of}` : used);

function columnsFor(canWrite: boolean): Column<NodeRow>[] {
  const cols: Column<NodeRow>[] = [
    { id: "name", header: "Name", className: "font-medium", sort: (o) => o.metadata.name ?? "", cell: (o) => <A href={`/nodes/${encodeURIComponent(o.metadata.name!)}`}>{o.metadata.name}</A> },
    { id: "status", header: "Status", sort: (o) => o.view.status, cell: (o) => <NodeStatus view={o.view} /> },
    { id: "pods", header: "Pods", sort: (o) => o.view.pods, cell: (o) => o.view.pods },
    {
      id: "cpu",
      header: "CPU requested",
      sort: (o) => o.view.cpu.requested,
      cell: (o) => usage(formatCpu(o.view.cpu.requested), o.view.cpu.allocatable === null ? null : formatCpu(o.view.cpu.allocatable)),
    },
    {
      id: "memory",
      header: "Memory requested",
      sort: (o) => o.view.memory.requested,
      cell: (o) => usage(formatBytes(o.view.memory.requested), o.view.memory.allocatable === null ? null : formatBytes(o.view.memory.allocatable)),
    },
    { id: "ip", header: "Internal IP", className: "font-mono text-xs", sort: (o) => o.view.internalIP, cell: (o) => o.view.internalIP || "—" },
    { id: "age", header: "Age", sort: (o) => Date.parse(o.metadata.creationTimestamp ?? "") || 0, cell: (o, now) => humanAge(o.metadata.creationTimestamp, new Date(now)) },
  ];
  if (canWrite) cols.push({ id: "edit", header: "", cell: (o) => <A href={editHref("v1", "Node", undefined, o.metadata.name!)}>Edit YAML</A> });
  return cols;
}

const FILTERS: ValueFilter<NodeRow>[] = [{ label: "Status", param: "status", of: (o) => o.view.status }];

// Rows per node version and its pods: a node's row changes only when the node or one of its pods did.
const rows = new WeakMap<KubeObject, { pods: KubeObject[]; row: NodeRow }>();
function rowOf(node: KubeObject, pods: KubeObject[]): NodeRow {
  const hit = rows.get(node);
  if (hit && hit.pods.length === pods.length && hit.pods.every((p, i) => p === pods[i])) return hit.row;
  const row = { ...node, view: nodeView(node, pods) };
  rows.set(node, { pods, row });
  return row;
}

export function NodesView({ canWrite }: { canWrite: boolean }) {
  const nodes = useKubeList<KubeObject>({ group: "", version: "v1", plural: "nodes" });
  const pods = useKubeList<KubeObject>({ group: "", version: "v1", plural: "pods" });
  const items = useMemo(() => {
    const byNode = podsByNode(pods.items);
    return nodes.items.map((n) => rowOf(n, byNode.get(n.metadata.name ?? "") ?? []));
  }, [nodes.items, pods.items]);
  const columns = useMemo(() => columnsFor(canWrite), [canWrite]);
  return (
    <section className="space-y-6">
      <ListHeader title="Nodes" description="The hosts as Kubernetes sees them, live: whether each is ready and takes new pods, and what its pods ask of it." />
      <ResourceTable caption="Nodes" items={items} synced={nodes.synced && pods.synced} error={nodes.error ?? pods.error} columns={columns} filters={FILTERS} emptyText="No hosts have joined yet." />
    </section>
  );
}
