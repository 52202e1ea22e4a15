// Printing Kubernetes objects as kubectl prints them: the server's Table as aligned columns (kubectl's tabwriter: at
// least 6 wide, 3 spaces of padding, the last column unpadded), `-o name` as kind.group/name, `-o yaml` and `-o json`
// (4-space indent) of one object or a List, managedFields left out.
import { kindRef, type ApiResource } from "./discovery";
import { toYaml } from "./yaml";

export interface TableColumn {
  name: string;
  type?: string;
  format?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { name?: string; namespace?: string } };
}

export interface Table {
  columnDefinitions: TableColumn[];
  rows: TableRow[];
  metadata?: { continue?: string; resourceVersion?: string };
}

/** Columns aligned as Go's tabwriter aligns them for kubectl: cell width + `padding`, at least `minWidth`. */
export function tabwrite(rows: string[][], opts: { minWidth?: number; padding?: number } = {}): string {
  const minWidth = opts.minWidth ?? 6;
  const padding = opts.padding ?? 3;
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (i < r.length - 1 ? (widths[i] = Math.max(widths[i] ?? 0, c.length)) : undefined));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(minWidth, widths[i]! + padding)))).join("")).join("\n");
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/**
 * A Table's header and rows as text cells: priority-0 columns (all of them with `wide`), headers in capitals, a
 * NAMESPACE column first with `withNamespace`, names prefixed with kind.group/ with `withKind` (several kinds asked).
 */
export function tableRows(t: Table, resource: ApiResource, opts: { wide: boolean; withNamespace: boolean; withKind: boolean }): string[][] {
  const shown = t.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || !c.priority);
  const header = [...(opts.withNamespace ? ["NAMESPACE"] : []), ...shown.map(({ c }) => c.name.toUpperCase())];
  const nameCol = t.columnDefinitions.findIndex((c) => c.format === "name");
  const rows = t.rows.map((r) => [
    ...(opts.withNamespace ? [r.object?.metadata?.namespace ?? ""] : []),
    ...shown.map(({ i }) => {
      const text = cellText(r.cells[i]);
      return opts.withKind && i === (nameCol >= 0 ? nameCol : 0) ? `${kindRef(resource)}/${text}` : text;
    }),
  ]);
  return [header, ...rows];
}

/** `deployment.apps/web`. */
export const objectName = (resource: ApiResource, name: string) => `${kindRef(resource)}/${name}`;

/** An object as -o yaml/json shows it: metadata.managedFields left out (kubectl's --show-managed-fields=false). */
export function forOutput(obj: Record<string, unknown>, showManagedFields = false): Record<string, unknown> {
  if (showManagedFields || !obj.metadata || typeof obj.metadata !== "object") return obj;
  const { managedFields: _omit, ...metadata } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata };
}

/** Several objects as kubectl prints them together: a v1 List. */
export function asList(items: unknown[]): Record<string, unknown> {
  return { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } };
}

export function formatObject(obj: unknown, format: "yaml" | "json"): string {
  return format === "json" ? JSON.stringify(obj, null, 4) + "\n" : toYaml(obj);
}
