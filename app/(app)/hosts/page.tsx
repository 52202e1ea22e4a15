// /hosts — the fleet: one server-side page of hosts (filters, search, sort and page in the URL), live.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { can, hostIdsFor } from "@/lib/auth/policy";
import { ListHostsQuery, listHosts } from "@/lib/hosts/list-hosts";
import { HostsView } from "@/components/hosts/hosts-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Hosts" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function HostsPage({ searchParams }: { searchParams: SearchParams }) {
  // A user whose roles reach no host (role none, no binding) is told so, not shown a server error.
  const { actor, allowed } = await pageAccess("hosts.read");
  if (!allowed) return <NotAllowed title="Hosts" role={actor.role} action="hosts.read" what="Seeing hosts" />;
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string"));
  // A hand-edited URL with a bad parameter shows the default list and says so, rather than an error page.
  const parsed = ListHostsQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : ListHostsQuery.parse({});
  const page = await listHosts(query, hostIdsFor(actor, "hosts.read"));
  return (
    <HostsView
      key={JSON.stringify(query)}
      initial={page}
      query={query}
      canJoin={can(actor, "hosts.join")}
      renderedAt={Date.now()}
      notice={parsed.success ? undefined : "Some filters in the address were not understood; showing all hosts."}
    />
  );
}
