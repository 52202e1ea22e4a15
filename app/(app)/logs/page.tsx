// /logs?c={hostId}:{container}&c=… — the live logs viewer (containers.logs). Those without the permission are told so
// (components/ui NotAllowed); the /browser socket refuses their streams again on its own.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { ListHostsQuery, listHosts } from "@/lib/hosts/list-hosts";
import { parseSources } from "@/lib/logs/sources";
import { NotAllowed } from "@/components/ui";
import { LogsView } from "@/components/logs/logs-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Logs" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LogsPage({ searchParams }: { searchParams: SearchParams }) {
  const { actor, allowed } = await pageAccess("containers.logs");
  if (!allowed) return <NotAllowed title="Logs" role={actor.role} action="containers.logs" what="Reading logs" />;
  const raw = (await searchParams).c;
  const { sources, errors } = parseSources(raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]);
  const hosts = await listHosts(ListHostsQuery.parse({ pageSize: 200, sort: "name" }));
  return (
    <LogsView
      initialSources={sources}
      hosts={hosts.items.map((h) => ({ id: h.id, name: h.name }))}
      notices={errors.length ? [`Some containers in the address were not understood: ${errors.join("; ")}.`] : []}
    />
  );
}
