// /logs?c={hostId}:{container}&c=… — the live logs viewer (containers.logs). Those without the permission are told so
// in words, as the terminal page does; the /browser socket refuses their streams again on its own.
import type { Metadata } from "next";
import { requireActor } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { ListHostsQuery, listHosts } from "@/lib/hosts/list-hosts";
import { parseSources } from "@/lib/logs/sources";
import { FormAlert } from "@/components/ui";
import { LogsView } from "@/components/logs/logs-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Logs" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LogsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requireActor("containers.read");
  if (!can(actor, "containers.logs")) {
    return (
      <section aria-labelledby="logs-title" className="space-y-4">
        <h1 id="logs-title" className="text-xl font-semibold">
          Logs
        </h1>
        <FormAlert message={`You may not read logs: your role (${actor.role}) does not allow containers.logs.`} />
      </section>
    );
  }
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
