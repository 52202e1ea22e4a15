"use client";
// A live Kubernetes list as a table: filters (name, label selector, a status and one more column's value), sort by any
// sortable column, and pages of 50. Built to stay quick with thousands of objects changing under it: filtering and
// sorting run once per change of the list or the controls (memoized), only one page is rendered, and a row re-renders
// only when its object changed (the watch replaces an object when it changes, so identity says it).
import { memo, useEffect, useMemo, useState, type ReactNode } from "react";
import { useSearchParams } from "next/navigation";
import type { KubeObject } from "@/lib/k8s/meta";
import { distinctValues, filterObjects, pageOf, parseSelector, sortObjects, type SortDirection, type SortValue } from "@/lib/workloads/list-view";
import { Button, EmptyRow, FormAlert, Input, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";

export interface Column<T extends KubeObject> {
  id: string;
  header: string;
  cell: (o: T, now: number) => ReactNode;
  /** Sortable when given; must not depend on the clock (ages sort by creation time). */
  sort?: (o: T) => SortValue;
  className?: string;
}

export interface ValueFilter<T extends KubeObject> {
  /** The control's label: "Status", "Host". */
  label: string;
  /** The URL parameter that may preset it. */
  param: string;
  of: (o: T) => string;
}

export const PAGE_SIZE = 50;

/** The clock for ages, re-read every 10 s (only the rendered page shows it). */
function useTick(everyMs = 10_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

const cellsOf = <T extends KubeObject>(o: T, columns: Column<T>[], now: number) =>
  columns.map((c) => (
    <Td key={c.id} className={c.className}>
      {c.cell(o, now)}
    </Td>
  ));

const Row = memo(function Row<T extends KubeObject>({ obj, columns, now }: { obj: T; columns: Column<T>[]; now: number }) {
  return <Tr data-uid={obj.metadata.uid}>{cellsOf(obj, columns, now)}</Tr>;
}) as <T extends KubeObject>(p: { obj: T; columns: Column<T>[]; now: number }) => ReactNode;

export function ResourceTable<T extends KubeObject>({
  caption,
  items,
  synced,
  error,
  columns,
  filters = [],
  defaultSort,
  emptyText,
  nameFilter,
}: {
  caption: string;
  items: T[];
  synced: boolean;
  error: string | null;
  /** Stable across renders (module constants or memoized): rows compare them to skip re-rendering. */
  columns: Column<T>[];
  filters?: ValueFilter<T>[];
  defaultSort?: { column: string; direction: SortDirection };
  emptyText: string;
  /** What the name field filters by, when not the object's name. */
  nameFilter?: { label: string; of: (o: T) => string };
}) {
  const params = useSearchParams();
  const [name, setName] = useState(() => params.get("q") ?? "");
  const [selector, setSelector] = useState(() => params.get("selector") ?? "");
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(filters.map((f) => [f.param, params.get(f.param) ?? ""])));
  const [sort, setSort] = useState(defaultSort ?? { column: columns[0]!.id, direction: "asc" as SortDirection });
  const [page, setPage] = useState(0);
  const now = useTick();

  const parsed = useMemo(() => parseSelector(selector), [selector]);
  const kept = useMemo(() => {
    let out = filterObjects(items, { name, selector: parsed.ok ? selector : "" }, undefined, nameFilter?.of);
    for (const f of filters) {
      const want = values[f.param];
      if (want) out = out.filter((o) => f.of(o) === want);
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- filters are constants of the page
  }, [items, name, selector, parsed.ok, values]);
  const sorted = useMemo(() => {
    const col = columns.find((c) => c.id === sort.column);
    return col?.sort ? sortObjects(kept, col.sort, sort.direction) : kept;
  }, [kept, columns, sort]);
  const shown = pageOf(sorted, page, PAGE_SIZE);
  // The choices of each value filter: every value present in the whole list (not only the kept objects).
  const choices = useMemo(
    () => Object.fromEntries(filters.map((f) => [f.param, distinctValues(items, f.of)])),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- filters are constants of the page
    [items],
  );
  useEffect(() => setPage(0), [name, selector, values, sort]);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3" role="search" aria-label={`Filter ${caption}`}>
        <label className="flex flex-col gap-1 text-sm">
          {nameFilter?.label ?? "Name"}
          <Input aria-label={`Filter by ${(nameFilter?.label ?? "name").toLowerCase()}`} placeholder="contains…" value={name} onChange={(e) => setName(e.target.value)} className="w-48" />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Labels
          <Input
            aria-label="Label selector"
            placeholder="app=web,tier!=db"
            value={selector}
            invalid={!parsed.ok}
            aria-describedby={!parsed.ok ? "selector-error" : undefined}
            onChange={(e) => setSelector(e.target.value)}
            className="w-64 font-mono"
          />
        </label>
        {filters.map((f) => (
          <label key={f.param} className="flex flex-col gap-1 text-sm">
            {f.label}
            <Select aria-label={`Filter by ${f.label.toLowerCase()}`} value={values[f.param] ?? ""} onChange={(e) => setValues((v) => ({ ...v, [f.param]: e.target.value }))}>
              <option value="">Any</option>
              {[...new Set([...(choices[f.param] ?? []), ...(values[f.param] ? [values[f.param]!] : [])])].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </Select>
          </label>
        ))}
        <p className="ml-auto text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
          {synced ? `${shown.from}–${shown.to} of ${shown.total}${shown.total !== items.length ? ` (${items.length} in all)` : ""}` : "Loading…"}
        </p>
      </div>
      {!parsed.ok && (
        <p id="selector-error" className="text-sm text-red-700 dark:text-red-400">
          {parsed.error}
        </p>
      )}
      <FormAlert message={error} />
      <Table caption={caption}>
        <THead>
          <Tr>
            {columns.map((c) => (
              <Th key={c.id} aria-sort={sort.column === c.id ? (sort.direction === "asc" ? "ascending" : "descending") : undefined}>
                {c.sort ? (
                  <button
                    type="button"
                    className="inline-flex items-center gap-1 hover:underline"
                    onClick={() => setSort((s) => ({ column: c.id, direction: s.column === c.id && s.direction === "asc" ? "desc" : "asc" }))}
                  >
                    {c.header}
                    <span aria-hidden>{sort.column === c.id ? (sort.direction === "asc" ? "▲" : "▼") : ""}</span>
                  </button>
                ) : (
                  c.header
                )}
              </Th>
            ))}
          </Tr>
        </THead>
        <TBody>
          {synced && shown.total === 0 && <EmptyRow colSpan={columns.length}>{items.length ? "Nothing matches these filters." : emptyText}</EmptyRow>}
          {!synced && !error && <EmptyRow colSpan={columns.length}>Loading…</EmptyRow>}
          {shown.items.map((o) => (
            <Row key={o.metadata.uid ?? `${o.metadata.namespace}/${o.metadata.name}`} obj={o} columns={columns} now={now} />
          ))}
        </TBody>
      </Table>
      {shown.pages > 1 && (
        <nav className="flex items-center justify-end gap-2 text-sm" aria-label="Pages">
          <Button variant="secondary" size="sm" disabled={shown.page === 0} onClick={() => setPage(shown.page - 1)}>
            Previous
          </Button>
          <span>
            Page {shown.page + 1} of {shown.pages}
          </span>
          <Button variant="secondary" size="sm" disabled={shown.page >= shown.pages - 1} onClick={() => setPage(shown.page + 1)}>
            Next
          </Button>
        </nav>
      )}
    </div>
  );
}

/** The page's frame: title, one line of what it is, the namespace switcher and (for those who may) Create. */
export function ListHeader({ title, description, children }: { title: string; description: string; children?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-xl font-semibold">{title}</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">{description}</p>
      </div>
      <div className="flex flex-wrap items-center gap-3">{children}</div>
    </div>
  );
}
