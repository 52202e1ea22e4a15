"use client";
// The fleet's containers: one server-side page from the inventory with filters, sort and page in the URL. Live: when
// a host's containers change, the current page is re-read from the API (debounced), so filters, order and paging stay true.
// Those with containers.manage select rows (or the whole page) and start, stop, restart or remove them together.
import Link from "next/link";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { usePathname, useRouter } from "next/navigation";
import { Button, EmptyRow, FormAlert, Input, Select, TBody, THead, Table, Td, Th, Tr, cn } from "@/components/ui";
import { LiveIndicator } from "@/components/hosts/live-indicator";
import { api } from "@/components/api/client";
import type { FleetContainer } from "@/lib/fleet/list-containers";
import { containerHref } from "@/lib/containers/container-href";
import { CONTAINER_STATES, portText, portsOf, statusText } from "./format";
import { ContainerStateBadge } from "./state-badge";
import { useContainerEvents } from "./use-container-events";
import { useClock } from "./use-clock";
import { BulkActions, type BulkTarget } from "./bulk-actions";

export const CONTAINER_SORT_OPTIONS = [
  { value: "name", label: "Name (A–Z)" },
  { value: "-name", label: "Name (Z–A)" },
  { value: "-created", label: "Newest first" },
  { value: "created", label: "Oldest first" },
  { value: "state", label: "State (A–Z)" },
  { value: "-state", label: "State (Z–A)" },
  { value: "image", label: "Image (A–Z)" },
  { value: "-image", label: "Image (Z–A)" },
  { value: "host", label: "Host (first joined first)" },
  { value: "-host", label: "Host (last joined first)" },
] as const;
export type ContainerSortValue = (typeof CONTAINER_SORT_OPTIONS)[number]["value"];
const PAGE_SIZES = [10, 25, 50, 100, 200];
const DEFAULT_PAGE_SIZE = 50;

export interface ContainersQuery {
  host?: number;
  state?: string;
  image?: string;
  label?: string;
  name?: string;
  sort: ContainerSortValue;
  page: number;
  pageSize: number;
}

export interface ContainersPage {
  items: FleetContainer[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
}

export interface HostOption {
  id: number;
  name: string;
}

export function toSearch(q: Partial<ContainersQuery>): string {
  const p = new URLSearchParams();
  if (q.host) p.set("host", String(q.host));
  if (q.state) p.set("state", q.state);
  if (q.image) p.set("image", q.image);
  if (q.label) p.set("label", q.label);
  if (q.name) p.set("name", q.name);
  if (q.sort && q.sort !== "name") p.set("sort", q.sort);
  if (q.page && q.page > 1) p.set("page", String(q.page));
  if (q.pageSize && q.pageSize !== DEFAULT_PAGE_SIZE) p.set("pageSize", String(q.pageSize));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export function ContainersView({
  initial,
  query,
  hosts,
  canManage,
  notice,
  renderedAt,
}: {
  initial: ContainersPage;
  query: ContainersQuery;
  hosts: HostOption[];
  canManage: boolean;
  notice?: string;
  /** When the server rendered the page (ms since the epoch): ages are computed from it until the page is live. */
  renderedAt: number;
}) {
  const [data, setData] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const now = useClock(renderedAt);
  const router = useRouter();
  const pathname = usePathname();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));
  // Selected rows by host/id; only those on the page as now read count (a removed one drops out).
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [bulkResult, setBulkResult] = useState<{ text: string; failed: boolean } | null>(null);
  const keyOf = (c: { hostId: number; id: string }) => `${c.hostId}/${c.id}`;
  const selected: BulkTarget[] = data.items.filter((c) => selection.has(keyOf(c))).map((c) => ({ hostId: c.hostId, id: c.id, name: c.name }));
  const allSelected = data.items.length > 0 && selected.length === data.items.length;
  const toggle = (key: string, on: boolean) =>
    setSelection((s) => {
      const next = new Set(s);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });

  useEffect(() => setData(initial), [initial]);

  const refetch = useCallback(async () => {
    try {
      setData(await api.get<ContainersPage>(`/api/v1/containers${toSearch(query)}`, { cache: "no-store" }));
      setError(null);
    } catch (e) {
      setError(`Could not refresh the list: ${(e as Error).message}`);
    }
  }, [query]);

  const live = useContainerEvents((e) => {
    if (e && query.host && e.hostId !== query.host) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void refetch(), 250);
  });
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  function apply(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? "").trim() || undefined;
    const host = Number(f.get("host"));
    router.push(
      `${pathname}${toSearch({
        host: host > 0 ? host : undefined,
        state: text("state"),
        image: text("image"),
        label: text("label"),
        name: text("name"),
        sort: (text("sort") as ContainerSortValue) ?? "name",
        pageSize: Number(f.get("pageSize")) || DEFAULT_PAGE_SIZE,
        page: 1,
      })}`,
    );
  }

  const filtered = Boolean(query.host || query.state || query.image || query.label || query.name);
  const first = (data.page - 1) * data.pageSize + 1;

  return (
    <section aria-labelledby="containers-title" className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 id="containers-title" className="text-xl font-semibold">
            Containers
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            <span data-testid="containers-total">
              {data.total} container{data.total === 1 ? "" : "s"}
              {filtered ? " match" : " across the fleet"}
            </span>
            . <LiveIndicator state={live} />
          </p>
        </div>
        {canManage && (
          <Link href="/containers/new" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
            Run a container
          </Link>
        )}
      </div>

      <FormAlert message={notice ?? null} tone="info" />
      <FormAlert message={error} />
      {bulkResult && <FormAlert message={bulkResult.text} tone={bulkResult.failed ? undefined : "info"} />}
      {canManage && selected.length > 0 && (
        <BulkActions
          selected={selected}
          onDone={(text, failed) => {
            setBulkResult({ text, failed });
            setSelection(new Set());
            void refetch();
          }}
        />
      )}

      <form role="search" aria-label="Filter containers" onSubmit={apply} key={JSON.stringify(query)} className="flex flex-wrap items-end gap-3">
        <FilterField className="w-48" id="filter-name" label="Name">
          <Input id="filter-name" name="name" type="search" placeholder="Part of the name" defaultValue={query.name ?? ""} maxLength={256} />
        </FilterField>
        <FilterField className="w-48" id="filter-host" label="Host">
          <Select id="filter-host" name="host" defaultValue={query.host ? String(query.host) : ""}>
            <option value="">All hosts</option>
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name} (host {h.id})
              </option>
            ))}
            {query.host && !hostName.has(query.host) && <option value={query.host}>host {query.host}</option>}
          </Select>
        </FilterField>
        <FilterField className="w-36" id="filter-state" label="State">
          <Select id="filter-state" name="state" defaultValue={query.state ?? ""}>
            <option value="">Any state</option>
            {CONTAINER_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            {query.state && !(CONTAINER_STATES as readonly string[]).includes(query.state) && <option value={query.state}>{query.state}</option>}
          </Select>
        </FilterField>
        <FilterField className="w-56" id="filter-image" label="Image">
          <Input id="filter-image" name="image" placeholder="registry/name:tag" defaultValue={query.image ?? ""} maxLength={512} />
        </FilterField>
        <FilterField className="w-44" id="filter-label" label="Label">
          <Input id="filter-label" name="label" placeholder="key or key=value" defaultValue={query.label ?? ""} maxLength={2048} />
        </FilterField>
        <FilterField className="w-52" id="filter-sort" label="Sort by">
          <Select id="filter-sort" name="sort" defaultValue={query.sort}>
            {CONTAINER_SORT_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </Select>
        </FilterField>
        <FilterField className="w-24" id="filter-page-size" label="Per page">
          <Select id="filter-page-size" name="pageSize" defaultValue={String(query.pageSize)}>
            {[...new Set([...PAGE_SIZES, query.pageSize])].sort((a, b) => a - b).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </FilterField>
        <div className="flex items-center gap-2">
          <Button type="submit">Apply filters</Button>
          {(filtered || query.sort !== "name" || query.pageSize !== DEFAULT_PAGE_SIZE) && (
            <Link href={pathname} className="text-sm text-indigo-700 hover:underline dark:text-indigo-400">
              Clear
            </Link>
          )}
        </div>
      </form>

      <Table caption={`Containers, page ${data.page} of ${data.pageCount}`}>
        <THead>
          <Tr>
            {canManage && (
              <Th className="w-8">
                <input
                  type="checkbox"
                  aria-label="Select every container on this page"
                  checked={allSelected}
                  onChange={(e) => setSelection(e.target.checked ? new Set(data.items.map(keyOf)) : new Set())}
                />
              </Th>
            )}
            <Th>Name</Th>
            <Th>Host</Th>
            <Th>Image</Th>
            <Th>State</Th>
            <Th>Status</Th>
            <Th>Ports</Th>
          </Tr>
        </THead>
        <TBody>
          {data.items.length === 0 && (
            <EmptyRow colSpan={canManage ? 7 : 6}>
              <span data-testid="containers-empty">
                {data.total > 0 ? (
                  <>
                    No container on this page.{" "}
                    <Link href={`${pathname}${toSearch({ ...query, page: 1 })}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
                      Go to the first page
                    </Link>
                  </>
                ) : filtered ? (
                  "No container matches these filters."
                ) : (
                  <>
                    No containers yet.
                    {canManage && (
                      <>
                        {" "}
                        <Link href="/containers/new" className="text-indigo-700 hover:underline dark:text-indigo-400">
                          Run the first one
                        </Link>
                        .
                      </>
                    )}
                  </>
                )}
              </span>
            </EmptyRow>
          )}
          {data.items.map((c) => (
            <ContainerRow
              key={keyOf(c)}
              c={c}
              hostName={hostName.get(c.hostId)}
              now={now}
              select={canManage ? { checked: selection.has(keyOf(c)), onChange: (on) => toggle(keyOf(c), on) } : undefined}
            />
          ))}
        </TBody>
      </Table>

      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        <span className="text-slate-600 dark:text-slate-400" data-testid="containers-range">
          {data.total === 0 ? "No results" : `${Math.min(first, data.total)}–${Math.min(data.total, data.page * data.pageSize)} of ${data.total}`}
        </span>
        <div className="flex items-center gap-2">
          <PageLink disabled={data.page <= 1} href={`${pathname}${toSearch({ ...query, page: data.page - 1 })}`} label="Previous" />
          <span aria-current="page" data-testid="containers-page">
            Page {data.page} of {data.pageCount}
          </span>
          <PageLink disabled={data.page >= data.pageCount} href={`${pathname}${toSearch({ ...query, page: data.page + 1 })}`} label="Next" />
        </div>
      </nav>
    </section>
  );
}

function FilterField({ id, label, className, children }: { id: string; label: string; className: string; children: React.ReactNode }) {
  return (
    <div className={cn("space-y-1", className)}>
      <label htmlFor={id} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
        {label}
      </label>
      {children}
    </div>
  );
}

function PageLink({ href, label, disabled }: { href: string; label: string; disabled: boolean }) {
  const cls = "rounded-md border border-slate-300 px-3 py-1.5 dark:border-slate-700";
  if (disabled)
    return (
      <span className={cn(cls, "cursor-not-allowed opacity-50")} aria-disabled="true">
        {label}
      </span>
    );
  return (
    <Link href={href} className={cn(cls, "hover:bg-slate-100 dark:hover:bg-slate-800")}>
      {label}
    </Link>
  );
}

function ContainerRow({
  c,
  hostName,
  now,
  select,
}: {
  c: FleetContainer;
  hostName?: string;
  now: number;
  select?: { checked: boolean; onChange: (on: boolean) => void };
}) {
  const ports = portsOf(c.ports);
  // The id comes from the host's agent: one encoded path segment, or no link.
  const href = containerHref(c.hostId, c.id);
  return (
    <Tr data-testid={`container-row-${c.name}`} data-host-id={c.hostId} data-container-id={c.id}>
      {select && (
        <Td>
          <input type="checkbox" aria-label={`Select ${c.name}`} checked={select.checked} onChange={(e) => select.onChange(e.target.checked)} />
        </Td>
      )}
      <Td data-col="name">
        {href ? (
          <Link href={href} className="font-medium text-indigo-700 hover:underline dark:text-indigo-400">
            {c.name}
          </Link>
        ) : (
          <span className="font-medium">{c.name}</span>
        )}
        <div className="font-mono text-xs text-slate-500">{c.id.slice(0, 12)}</div>
      </Td>
      <Td>
        <Link href={`/hosts/${c.hostId}`} className="hover:underline">
          {hostName ?? `host ${c.hostId}`}
        </Link>
      </Td>
      <Td className="max-w-xs truncate font-mono text-xs" title={c.image}>
        {c.image}
      </Td>
      <Td>
        <ContainerStateBadge state={c.state} exitCode={c.exitCode} />
      </Td>
      <Td className="text-slate-700 dark:text-slate-300">{statusText(c, now)}</Td>
      <Td className="font-mono text-xs">{ports.length ? ports.map((p) => <div key={portText(p)}>{portText(p)}</div>) : "—"}</Td>
    </Tr>
  );
}
