// gantry get TYPE[,TYPE…] [NAME…] | TYPE/NAME… — objects of the control plane's Kubernetes API as kubectl prints them:
// the server's Table (the columns `kubectl get` shows; -o wide adds the rest), or -o yaml|json|name.
import { parseArgs } from "../args";
import { usageError } from "../errors";
import { printLine } from "../output";
import type { KubeClient, Query } from "../kube/client";
import { failureFor, kubeContext, reportError, resourceArgs } from "../kube/context";
import { resourcePath, type ApiResource } from "../kube/discovery";
import { asList, formatObject, forOutput, objectName, tableRows, tabwrite, type Table } from "../kube/print";

const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json";
/** kubectl's --chunk-size. */
const PAGE = 500;

type Output = "table" | "wide" | "yaml" | "json" | "name";

interface KubeList {
  apiVersion?: string;
  kind?: string;
  items: Array<Record<string, unknown> & { metadata: { name: string; namespace?: string } }>;
  metadata?: { continue?: string };
}

export async function get(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ["namespace", "output", "selector", "field-selector"],
    booleans: ["all-namespaces", "show-managed-fields"],
    aliases: { n: "namespace", o: "output", l: "selector", A: "all-namespaces" },
  });
  const output = (a.values.output ?? "table") as Output;
  if (!["table", "wide", "yaml", "json", "name"].includes(output)) throw usageError(`-o ${a.values.output}: one of wide, yaml, json or name`);
  const all = a.flags.has("all-namespaces");
  const ctx = await kubeContext(a.values.namespace);
  const { kinds, targets } = resourceArgs(a.positionals, ctx.discovery);
  if (all && targets) throw usageError("a resource cannot be retrieved by name across all namespaces");
  if (targets && (a.values.selector || a.values["field-selector"])) throw usageError("name objects or select them with -l/--field-selector, not both");
  const namespaceOf = (r: ApiResource) => (r.namespaced && !all ? ctx.namespace : undefined);

  const errors: unknown[] = [];
  // What each kind gave: a Table (for columns) or objects (for -o yaml/json/name).
  const found: Array<{ resource: ApiResource; table?: Table; objects: KubeList["items"] }> = [];
  for (const resource of kinds) {
    const entry = { resource, table: undefined as Table | undefined, objects: [] as KubeList["items"] };
    if (targets) {
      for (const t of targets.filter((t) => t.resource === resource)) {
        try {
          const path = resourcePath(resource, namespaceOf(resource), t.name);
          if (output === "table" || output === "wide") entry.table = merge(entry.table, await ctx.client.get<Table>(path, undefined, TABLE_ACCEPT));
          else entry.objects.push(await ctx.client.get(path));
        } catch (e) {
          reportError(errors, e);
        }
      }
    } else {
      const query: Query = { labelSelector: a.values.selector, fieldSelector: a.values["field-selector"] };
      const path = resourcePath(resource, namespaceOf(resource));
      if (output === "table" || output === "wide") entry.table = await listTable(ctx.client, path, query);
      else entry.objects = await listObjects(ctx.client, path, query, resource);
    }
    found.push(entry);
  }

  const withKind = kinds.length > 1;
  const nonEmpty = found.filter((f) => (f.table ? f.table.rows.length : f.objects.length) > 0);
  if (output === "table" || output === "wide") {
    const blocks = nonEmpty.map((f) =>
      tabwrite(tableRows(f.table!, f.resource, { wide: output === "wide", withNamespace: all && f.resource.namespaced, withKind })),
    );
    if (blocks.length) printLine(blocks.join("\n\n"));
  } else if (output === "name") {
    for (const f of nonEmpty) for (const o of f.objects) printLine(objectName(f.resource, o.metadata.name));
  } else {
    const objects = nonEmpty.flatMap((f) => f.objects).map((o) => forOutput(o, a.flags.has("show-managed-fields")));
    // One object asked for by name prints as itself; anything else as a List, as kubectl does.
    if (objects.length === 1 && targets?.length === 1) process.stdout.write(formatObject(objects[0], output));
    else if (objects.length || !targets) process.stdout.write(formatObject(asList(objects), output));
  }
  if (!nonEmpty.length && !errors.length && !targets && output !== "yaml" && output !== "json") {
    const scoped = kinds.every((k) => k.namespaced) && !all;
    process.stderr.write(scoped ? `No resources found in ${ctx.namespace} namespace.\n` : "No resources found\n");
  }
  if (errors.length) throw failureFor(errors);
}

function merge(into: Table | undefined, t: Table): Table {
  if (!into) return t;
  return { ...into, rows: [...into.rows, ...t.rows] };
}

async function listTable(client: KubeClient, path: string, query: Query): Promise<Table> {
  let table: Table | undefined;
  let cont: string | undefined;
  do {
    const page = await client.get<Table>(path, { ...query, limit: PAGE, continue: cont }, TABLE_ACCEPT);
    table = merge(table, page);
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return table;
}

async function listObjects(client: KubeClient, path: string, query: Query, resource: ApiResource): Promise<KubeList["items"]> {
  const out: KubeList["items"] = [];
  let cont: string | undefined;
  do {
    const page = await client.get<KubeList>(path, { ...query, limit: PAGE, continue: cont });
    // A list's items carry no apiVersion and kind of their own in Kubernetes; printed alone, they need them.
    const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
    out.push(...page.items.map((i) => ({ apiVersion, kind: resource.kind, ...i })));
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return out;
}
