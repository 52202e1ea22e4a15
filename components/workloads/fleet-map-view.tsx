"use client";
// /fleet-map — hosts × pods, live: one card per host with a square per pod coloured (and labelled) by its state, so a
// person sees where a workload runs and what losing a host takes with it — a host that is down is marked and its pods
// outlined. Filtered by namespace (the switcher) and by a label selector (one workload).
import { memo, useMemo, useState } from "react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import type { KubeObject } from "@/lib/k8s/meta";
import { fleetMap, type MapHost } from "@/lib/workloads/fleet-map";
import { filterObjects, parseSelector } from "@/lib/workloads/list-view";
import type { PodView, StateTone } from "@/lib/workloads/pod-view";
import { Badge, Input, cn } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { NamespaceSwitcher, useNamespace, watchNamespace } from "@/components/kube/namespace-switcher";
import { ListHeader } from "@/components/kube/resource-table";
import { A, objectHref } from "@/components/kube/links";
import { viewOf } from "./pods-view";

type Cell = { pod: KubeObject; view: PodView };

const COLOUR: Record<StateTone, string> = {
  ok: "bg-emerald-500",
  done: "bg-slate-400",
  pending: "bg-amber-400",
  failed: "bg-red-600",
  gone: "bg-slate-300 dark:bg-slate-600",
};
const LEGEND: Array<[StateTone, string]> = [
  ["ok", "running"],
  ["pending", "starting or waiting"],
  ["failed", "failing"],
  ["done", "completed"],
  ["gone", "terminating"],
];

const PodCell = memo(function PodCell({ cell, atRisk }: { cell: Cell; atRisk: boolean }) {
  const { pod, view } = cell;
  const label = `${pod.metadata.namespace}/${pod.metadata.name}: ${view.status}${atRisk ? " (its host is down)" : ""}`;
  return (
    <li>
      <Link
        href={objectHref("/pods", pod.metadata.namespace, pod.metadata.name!)}
        title={label}
        aria-label={label}
        data-state={view.tone}
        className={cn("block size-4 rounded-sm", COLOUR[view.tone], atRisk && "ring-2 ring-red-600 ring-offset-1")}
      />
    </li>
  );
});

const HostCard = memo(function HostCard({ host }: { host: MapHost<Cell> }) {
  const title = host.node ? host.name : "Not on a host";
  return (
    <section aria-label={host.node ? `Host ${host.name}` : "Pods not on a host"} className={cn("rounded-lg border p-3", host.down ? "border-red-500 bg-red-50 dark:bg-red-950" : "border-slate-200 dark:border-slate-800")}>
      <header className="mb-2 flex flex-wrap items-center gap-2 text-sm">
        {host.node ? <A href={`/nodes/${encodeURIComponent(host.name)}`}>{title}</A> : <span className="font-medium">{title}</span>}
        {host.node && <Badge tone={host.down ? "danger" : "success"}>{host.down ? "down" : "ready"}</Badge>}
        {host.node?.cordoned && <Badge tone="warning">cordoned</Badge>}
        <span className="text-slate-600 dark:text-slate-400">{host.pods.length} pods</span>
        {host.down && host.pods.length > 0 && <span className="font-medium text-red-700 dark:text-red-300">takes {host.pods.length} pods with it</span>}
      </header>
      <ul className="flex flex-wrap gap-1" aria-label={`Pods on ${title}`}>
        {host.pods.map((c) => (
          <PodCell key={c.pod.metadata.uid} cell={c} atRisk={host.down} />
        ))}
      </ul>
    </section>
  );
});

// One cell per pod version (identity changes with the pod), so unchanged squares keep their props.
const cells = new WeakMap<KubeObject, Cell>();
const cellOf = (pod: KubeObject): Cell => {
  let c = cells.get(pod);
  if (!c) cells.set(pod, (c = { pod, view: viewOf(pod) }));
  return c;
};

export function FleetMapView() {
  const namespace = useNamespace();
  const params = useSearchParams();
  const [selector, setSelector] = useState(() => params.get("selector") ?? "");
  const parsed = parseSelector(selector);
  const nodes = useKubeList<KubeObject>({ group: "", version: "v1", plural: "nodes" });
  const pods = useKubeList<KubeObject>(namespace ? { group: "", version: "v1", plural: "pods", namespace: watchNamespace(namespace) } : null);
  const hosts = useMemo(() => fleetMap(nodes.items, filterObjects(pods.items, { selector: parsed.ok ? selector : "" }), cellOf), [nodes.items, pods.items, selector, parsed.ok]);
  const down = hosts.filter((h) => h.down);
  return (
    <section className="space-y-6">
      <ListHeader title="Fleet map" description="Every host and the pods on it, live: where a workload runs, and what a lost host takes with it.">
        <NamespaceSwitcher value={namespace} />
        <label className="flex items-center gap-2 text-sm">
          Labels
          <Input aria-label="Label selector" placeholder="app=web" value={selector} invalid={!parsed.ok} onChange={(e) => setSelector(e.target.value)} className="w-56 font-mono" />
        </label>
      </ListHeader>
      {!parsed.ok && <p className="text-sm text-red-700 dark:text-red-400">{parsed.error}</p>}
      <ul className="flex flex-wrap gap-3 text-xs" aria-label="Legend">
        {LEGEND.map(([tone, text]) => (
          <li key={tone} className="flex items-center gap-1">
            <span className={cn("inline-block size-3 rounded-sm", COLOUR[tone])} aria-hidden /> {text}
          </li>
        ))}
      </ul>
      {down.length > 0 && (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          {down.map((h) => `${h.name} is down with ${h.pods.length} pods`).join("; ")}.
        </p>
      )}
      {!nodes.synced || !pods.synced ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : (
        <div className="grid gap-3 md:grid-cols-2">
          {hosts.map((h) => (
            <HostCard key={h.name || "-"} host={h} />
          ))}
          {hosts.length === 0 && <p className="text-sm text-slate-500">No hosts have joined yet.</p>}
        </div>
      )}
    </section>
  );
}
