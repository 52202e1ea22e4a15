// /containers — containers across the fleet from the inventory: filters, sort and page in the URL, live.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { can, hostIdsFor } from "@/lib/auth/policy";
import { listContainers } from "@/lib/fleet";
import { listFleetContainersQuery } from "@/lib/fleet-api/schemas";
import { ListHostsQuery, listHosts } from "@/lib/hosts/list-hosts";
import { ContainersView } from "@/components/containers/containers-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Containers" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ContainersPage({ searchParams }: { searchParams: SearchParams }) {
  // A user whose roles reach no host (role none, no binding) is told so, not shown a server error.
  const { actor, allowed } = await pageAccess("containers.read");
  if (!allowed) return <NotAllowed title="Containers" role={actor.role} action="containers.read" what="Seeing containers" />;
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  // A hand-edited URL with a bad parameter shows the unfiltered list and says so, rather than an error page.
  const parsed = listFleetContainersQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : listFleetContainersQuery.parse({});
  const [{ items, total }, hosts] = await Promise.all([listContainers({ ...query, hostId: query.host, visibleHostIds: hostIdsFor(actor, "containers.read") }), listHosts(ListHostsQuery.parse({ pageSize: 200, sort: "name" }), hostIdsFor(actor, "containers.read"))]);
  const initial = { items, total, page: query.page, pageSize: query.pageSize, pageCount: Math.max(1, Math.ceil(total / query.pageSize)) };
  return (
    <ContainersView
      key={JSON.stringify(query)}
      initial={initial}
      query={query}
      hosts={hosts.items.map((h) => ({ id: h.id, name: h.name }))}
      canManage={can(actor, "containers.manage")}
      renderedAt={Date.now()}
      notice={parsed.success ? undefined : "Some filters in the address were not understood; showing all containers."}
    />
  );
}
