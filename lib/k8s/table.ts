// Table responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the columns `kubectl get` prints, computed
// by the server from the kind's column list, with each row's object as metadata only, the whole object, or nothing.
import type { KubeObject } from "./meta";
import type { ResourceDef } from "./resources";

export type IncludeObject = "None" | "Metadata" | "Object";

export interface Table {
  kind: "Table";
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: Array<{ name: string; type: string; format: string; description: string; priority: number }>;
  rows: Array<{ cells: Array<string | number | boolean>; object?: unknown }>;
}

export function parseIncludeObject(raw: string | null): IncludeObject {
  return raw === "None" || raw === "Object" ? raw : "Metadata";
}

export function toTable(
  def: ResourceDef,
  objects: readonly KubeObject[],
  opts: { include: IncludeObject; apiVersion?: string; resourceVersion?: string; continue?: string; now?: Date },
): Table {
  const now = opts.now ?? new Date();
  const apiVersion = opts.apiVersion ?? "meta.k8s.io/v1";
  return {
    kind: "Table",
    apiVersion,
    metadata: {
      ...(opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {}),
      ...(opts.continue ? { continue: opts.continue } : {}),
    },
    columnDefinitions: def.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description, priority: c.priority })),
    rows: objects.map((o) => ({
      cells: def.columns.map((c) => c.cell(o, now)),
      ...(opts.include === "None"
        ? {}
        : { object: opts.include === "Object" ? o : { kind: "PartialObjectMetadata", apiVersion, metadata: o.metadata } }),
    })),
  };
}
