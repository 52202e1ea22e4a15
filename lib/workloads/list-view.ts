// What a dashboard list shows of a live list of objects: those the filters keep (a name substring, a label selector as
// kubectl takes it, one value of a status column), in the order a column sorts them, one page at a time. Pure: the
// pages run it over thousands of objects on every change, so it does one pass to filter, one sort, and a slice.
import type { KubeObject } from "@/lib/k8s/meta";
import { matchesLabels, parseLabelSelector, type LabelSelector } from "@/lib/k8s/selectors";

export interface ListFilters {
  /** Kept when the name contains it (case-insensitive). */
  name?: string;
  /** A label selector: `app=web,tier!=db,env in (a,b),!legacy`. */
  selector?: string;
  /** Kept when `status(o)` equals it (empty: any). */
  status?: string;
}

export type SortValue = string | number;
export type SortDirection = "asc" | "desc";

/** A label selector, or why it cannot be one (kubectl's words). */
export function parseSelector(raw: string | undefined): { ok: true; selector: LabelSelector } | { ok: false; error: string } {
  try {
    return { ok: true, selector: parseLabelSelector(raw ?? "") };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : "not a label selector" };
  }
}

/**
 * The objects the filters keep. An invalid selector keeps everything (the page shows why next to the field) rather than
 * blanking the list while someone is still typing it.
 */
export function filterObjects<T extends KubeObject>(
  items: readonly T[],
  filters: ListFilters,
  status?: (o: T) => string,
  /** What the name filter matches (an Event's involved object, say); the object's name by default. */
  nameOf: (o: T) => string = (o) => o.metadata.name ?? "",
): T[] {
  const name = (filters.name ?? "").trim().toLowerCase();
  const parsed = parseSelector(filters.selector);
  const selector = parsed.ok ? parsed.selector : [];
  const wanted = filters.status ?? "";
  if (!name && !selector.length && !wanted) return items as T[];
  return items.filter(
    (o) =>
      (!name || nameOf(o).toLowerCase().includes(name)) &&
      (!selector.length || matchesLabels(selector, o.metadata.labels)) &&
      (!wanted || !status || status(o) === wanted),
  );
}

/**
 * Sorted by `value` (numbers as numbers, text in natural order so "web-10" follows "web-9"), ties by namespace/name so
 * the order is stable while the list changes. Each object's value is computed once.
 */
export function sortObjects<T extends KubeObject>(items: readonly T[], value: (o: T) => SortValue, direction: SortDirection = "asc"): T[] {
  const keyed = items.map((o) => ({ o, v: value(o), k: `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}` }));
  const sign = direction === "asc" ? 1 : -1;
  keyed.sort((a, b) => {
    const c = typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : COLLATOR.compare(String(a.v), String(b.v));
    return c !== 0 ? sign * c : COLLATOR.compare(a.k, b.k);
  });
  return keyed.map((x) => x.o);
}

const COLLATOR = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

export interface Page<T> {
  items: T[];
  /** 0-based, clamped to the pages there are. */
  page: number;
  pages: number;
  /** 1-based positions of the first and last item shown (0, 0 when empty). */
  from: number;
  to: number;
  total: number;
}

export function pageOf<T>(items: readonly T[], page: number, size: number): Page<T> {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  const slice = items.slice(p * size, p * size + size);
  return { items: slice, page: p, pages, from: slice.length ? p * size + 1 : 0, to: p * size + slice.length, total: items.length };
}

/** The distinct values of a column, sorted, for a status filter's choices. */
export function distinctValues<T>(items: readonly T[], value: (o: T) => string): string[] {
  const seen = new Set<string>();
  for (const o of items) seen.add(value(o));
  return [...seen].filter(Boolean).sort(COLLATOR.compare);
}
