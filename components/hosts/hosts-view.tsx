"use client";
// The fleet table: one server-side page of hosts with filters, search and paging in the URL. Live: every host event
// updates its row at once, then the page is re-read from the API (debounced) so counts, filters and order stay true.
// Heartbeats are not pushed (a fleet's would flood every page), so the page is also re-read every HOSTS_REFRESH_MS while it
// is visible: "last seen" follows the heartbeats instead of counting up from when the page was loaded.
import { api } from "@/components/api/client";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { usePathname, useRouter } from "next/navigation";
import { Button, EmptyRow, FormAlert, Input, TBody, THead, Table, Td, Th, Tr, cn } from "@/components/ui";
import type { HostPage } from "@/lib/hosts/list-hosts";
import type { HostView } from "@/lib/hosts/host-view";
import { HostStatusBadge } from "./status-badge";
import { AddHostButton } from "./add-host-dialog";
import { LiveIndicator } from "./live-indicator";
import { useHostEvents } from "./use-host-events";
import { HOSTS_REFRESH_MS, useNow } from "./use-now";
import { useVisibleInterval } from "./use-visible-interval";
import { formatAgo, formatBytes, formatCpusMemory } from "./format";

export interface HostsQuery {
  page: number;
  pageSize: number;
  status?: "online" | "syncing" | "stale" | "offline" | "revoked";
  q?: string;
  sort: "id" | "name" | "status" | "lastSeen";
  order: "asc" | "desc";
}

const FILTERS = [
  { key: undefined, label: "All", count: "all" },
  { key: "online", label: "Online", count: "online" },
  { key: "syncing", label: "Syncing", count: "syncing" },
  { key: "stale", label: "Stale", count: "stale" },
  { key: "offline", label: "Offline", count: "offline" },
  { key: "revoked", label: "Revoked", count: "revoked" },
] as const;

export function toSearch(q: Partial<HostsQuery>): string {
  const p = new URLSearchParams();
  if (q.page && q.page > 1) p.set("page", String(q.page));
  if (q.pageSize && q.pageSize !== 50) p.set("pageSize", String(q.pageSize));
  if (q.status) p.set("status", q.status);
  if (q.q) p.set("q", q.q);
  if (q.sort && q.sort !== "id") p.set("sort", q.sort);
  if (q.order && q.order !== "asc") p.set("order", q.order);
  const s = p.toString();
  return s ? `?${s}` : "";
}

export function HostsView({
  initial,
  query,
  canJoin,
  notice,
  renderedAt,
}: {
  initial: HostPage;
  query: HostsQuery;
  canJoin: boolean;
  notice?: string;
  /** When the server rendered the page: the clock starts there, so hydration writes the server's text. */
  renderedAt: number;
}) {
  const [data, setData] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(renderedAt);
  const router = useRouter();
  const pathname = usePathname();
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setData(initial), [initial]);

  const refetch = useCallback(async () => {
    try {
      setData(await api.get<HostPage>(`/api/v1/hosts${toSearch(query) || "?"}`, { cache: "no-store" }));
      setError(null);
    } catch (e) {
      setError(`Could not refresh the list: ${(e as Error).message}`);
    }
  }, [query]);

  // The first tick (at once, on mount) would only repeat what the server just rendered.
  const loaded = useRef(false);
  useVisibleInterval(async () => {
    if (loaded.current) await refetch();
    loaded.current = true;
  }, HOSTS_REFRESH_MS, true);

  const live = useHostEvents((e) => {
    setData((d) => ({ ...d, items: d.items.map((h) => (h.id === e.host.id ? e.host : h)) }));
    if (refetchTimer.current) clearTimeout(refetchTimer.current);
    refetchTimer.current = setTimeout(() => void refetch(), 300);
  });
  useEffect(() => () => void (refetchTimer.current && clearTimeout(refetchTimer.current)), []);

  const go = (q: Partial<HostsQuery>) => router.push(`${pathname}${toSearch({ ...query, page: 1, ...q })}`);

  function search(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get("q") ?? "").trim();
    go({ q: q || undefined });
  }

  function sortBy(sort: HostsQuery["sort"]) {
    go({ sort, order: query.sort === sort && query.order === "asc" ? "desc" : "asc" });
  }

  const sortHeader = (key: HostsQuery["sort"], label: string) => (
    <Th aria-sort={query.sort === key ? (query.order === "asc" ? "ascending" : "descending") : undefined}>
      <button type="button" onClick={() => sortBy(key)} className="inline-flex items-center gap-1 font-medium hover:underline">
        {label}
        <span aria-hidden>{query.sort === key ? (query.order === "asc" ? "▲" : "▼") : ""}</span>
      </button>
    </Th>
  );

  return (
    <section aria-labelledby="hosts-title" className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 id="hosts-title" className="text-xl font-semibold">
            Hosts
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {data.counts.all} host{data.counts.all === 1 ? "" : "s"}: {data.counts.online} online, {data.counts.syncing ? `${data.counts.syncing} syncing, ` : ""}{data.counts.stale} stale, {data.counts.offline} offline.{" "}
            <LiveIndicator state={live} />
          </p>
        </div>
        {canJoin && <AddHostButton />}
      </div>

      <FormAlert message={notice ?? null} tone="info" />
      <FormAlert message={error} />

      <div className="flex flex-wrap items-center justify-between gap-3">
        <nav aria-label="Filter by status" className="flex flex-wrap gap-1">
          {FILTERS.map((f) => {
            const active = query.status === f.key;
            return (
              <Link
                key={f.label}
                href={`${pathname}${toSearch({ ...query, page: 1, status: f.key })}`}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "rounded-md px-3 py-1.5 text-sm",
                  active ? "bg-slate-900 text-white dark:bg-white dark:text-slate-900" : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800",
                )}
              >
                {f.label} <span className="tabular-nums opacity-70">{data.counts[f.count]}</span>
              </Link>
            );
          })}
        </nav>
        <form role="search" onSubmit={search} className="flex items-center gap-2">
          <label htmlFor="host-search" className="sr-only">
            Search hosts by name
          </label>
          <Input id="host-search" name="q" type="search" placeholder="Search by name" defaultValue={query.q ?? ""} className="w-56" />
          <Button type="submit" variant="secondary">
            Search
          </Button>
        </form>
      </div>

      <Table caption={`Hosts, page ${data.page} of ${data.pageCount}`}>
        <THead>
          <Tr>
            {sortHeader("id", "Host")}
            {sortHeader("name", "Name")}
            {sortHeader("status", "Status")}
            <Th>System</Th>
            <Th>CPUs / memory</Th>
            <Th>Disk free</Th>
            <Th>Engine / agent</Th>
            {sortHeader("lastSeen", "Last seen")}
          </Tr>
        </THead>
        <TBody>
          {data.items.length === 0 && (
            <EmptyRow colSpan={8}>
              {data.counts.all === 0 ? (canJoin ? "No hosts yet. Use “Add host” to join the first machine." : "No hosts yet.") : "No host matches this filter."}
            </EmptyRow>
          )}
          {data.items.map((h) => (
            <HostRow key={h.id} host={h} now={now} />
          ))}
        </TBody>
      </Table>

      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        <span className="text-slate-600 dark:text-slate-400">
          {data.total === 0 ? "No results" : `${(data.page - 1) * data.pageSize + 1}–${Math.min(data.total, data.page * data.pageSize)} of ${data.total}`}
        </span>
        <div className="flex items-center gap-2">
          <PageLink disabled={data.page <= 1} href={`${pathname}${toSearch({ ...query, page: data.page - 1 })}`} label="Previous" />
          <span aria-current="page">
            Page {data.page} of {data.pageCount}
          </span>
          <PageLink disabled={data.page >= data.pageCount} href={`${pathname}${toSearch({ ...query, page: data.page + 1 })}`} label="Next" />
        </div>
      </nav>
    </section>
  );
}

function PageLink({ href, label, disabled }: { href: string; label: string; disabled: boolean }) {
  const cls = "rounded-md border border-slate-300 px-3 py-1.5 dark:border-slate-700";
  if (disabled) return <span className={cn(cls, "cursor-not-allowed opacity-50")} aria-disabled="true">{label}</span>;
  return (
    <Link href={href} className={cn(cls, "hover:bg-slate-100 dark:hover:bg-slate-800")}>
      {label}
    </Link>
  );
}

function HostRow({ host: h, now }: { host: HostView; now: number }) {
  const f = h.facts;
  return (
    <Tr data-host-id={h.id} data-testid={`host-row-${h.id}`}>
      <Td className="tabular-nums">
        <Link href={`/hosts/${h.id}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-400">
          host {h.id}
        </Link>
      </Td>
      <Td>
        <Link href={`/hosts/${h.id}`} className="hover:underline">
          {h.name}
        </Link>
      </Td>
      <Td>
        <HostStatusBadge host={h} />
      </Td>
      <Td className="text-slate-700 dark:text-slate-300">
        {f ? (
          <>
            <div>{f.os.prettyName ?? f.os.name ?? "unknown OS"}</div>
            <div className="text-xs text-slate-500">
              {f.kernel} · {f.arch} · cgroup {f.cgroupVersion}
            </div>
          </>
        ) : (
          "—"
        )}
      </Td>
      <Td className="tabular-nums">{f ? formatCpusMemory(f.cpus, f.memoryBytes) : "—"}</Td>
      <Td className="tabular-nums">{f ? `${formatBytes(f.disk.freeBytes)} of ${formatBytes(f.disk.totalBytes)}` : "—"}</Td>
      <Td className="text-xs">
        <div>{h.engineVersion ?? "engine not installed"}</div>
        <div className="text-slate-500">agent {h.agentVersion ?? "—"}</div>
      </Td>
      <Td>
        <time dateTime={h.lastSeenAt ?? undefined} title={h.lastSeenAt ?? "never"}>
          {formatAgo(h.lastSeenAt, now)}
        </time>
      </Td>
    </Tr>
  );
}
