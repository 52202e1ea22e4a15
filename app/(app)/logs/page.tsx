// /logs?c={hostId}:{container}&c=… — the live logs viewer (containers.logs). Those without the permission are told so
// (components/ui NotAllowed); the /browser socket refuses their streams again on its own.
// /logs?deployment={namespace}/{name} and /logs?namespace={namespace}&selector={label selector} — a workload's replicas
// merged (its pods are watched through the Kubernetes API, which asks k8s.read as well).
import { hostIdsFor } from "@/lib/auth/policy";
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { ListHostsQuery, listHosts } from "@/lib/hosts/list-hosts";
import { parseSources } from "@/lib/logs/sources";
import { NotAllowed } from "@/components/ui";
import { LogsView } from "@/components/logs/logs-view";
import { listHostRefs } from "@/lib/hosts/list-host-refs";
import { parseWorkloadTarget } from "@/lib/workloads/workload-target";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Logs" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LogsPage({ searchParams }: { searchParams: SearchParams }) {
  const { actor, allowed } = await pageAccess("containers.logs");
  if (!allowed) return <NotAllowed title="Logs" role={actor.role} action="containers.logs" what="Reading logs" />;
  const params = await searchParams;
  const raw = params.c;
  const { sources, errors } = parseSources(raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]);
  const hosts = await listHosts(ListHostsQuery.parse({ pageSize: 200, sort: "name" }), hostIdsFor(actor, "containers.logs"));
  const target = parseWorkloadTarget(params);
  const notices = errors.length ? [`Some containers in the address were not understood: ${errors.join("; ")}.`] : [];
  if (target && !target.ok) notices.push(target.error);
  const workload = target?.ok ? target.target : null;
  return (
    <LogsView
      initialSources={workload ? [] : sources}
      hosts={hosts.items.map((h) => ({ id: h.id, name: h.name }))}
      notices={notices}
      workload={workload}
      hostRefs={workload ? await listHostRefs() : []}
    />
  );
}
