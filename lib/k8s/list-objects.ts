// GET …/{resource}: the objects of a kind, in one namespace or all, filtered by label and field selectors, in pages of
// `limit` with a `continue` token. The list's resourceVersion is the snapshot it was read at: a watch from it sees every
// later change and none before.
import type { Actor } from "@/lib/auth/policy";
import { authorizeKubeRead, inNamespaces } from "./authorize";
import type { KubeObject } from "./meta";
import { apiVersionOf, type ResourceDef } from "./resources";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, selectableFields } from "./selectors";
import { badRequest } from "./status";
import { currentRevision, withSnapshot } from "./store";

export interface ListInput {
  actor: Actor | null;
  def: ResourceDef;
  /** undefined: every namespace (or a cluster-scoped kind). */
  namespace?: string;
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continueToken?: string | null;
  /** Across all namespaces, only these (null or absent: all) — an actor whose namespace bindings are all it has there. */
  namespaces?: ReadonlySet<string> | null;
}

export interface ObjectList {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string };
  items: KubeObject[];
}

const BATCH = 500;

interface ContinueKey {
  namespace: string;
  name: string;
}

function encodeContinue(k: ContinueKey): string {
  return Buffer.from(JSON.stringify({ v: 1, ns: k.namespace, n: k.name })).toString("base64url");
}

function decodeContinue(token: string): ContinueKey {
  try {
    const p = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v: number; ns: string; n: string };
    if (p.v === 1 && typeof p.ns === "string" && typeof p.n === "string") return { namespace: p.ns, name: p.n };
  } catch {
    /* fall through */
  }
  throw badRequest("continue key is not valid: it was not made by this server");
}

export function parseLimit(raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`limit: Invalid value: ${JSON.stringify(raw)}: must be a non-negative integer`);
  return n === 0 ? undefined : n;
}

/** A predicate for the selectors of a list or watch (throws 400 on a selector that does not parse). */
export function objectFilter(def: ResourceDef, labelSelector: string | null | undefined, fieldSelector: string | null | undefined) {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector, def);
  return {
    matches: (obj: KubeObject) => matchesLabels(labels, obj.metadata.labels) && matchesFields(fields, selectableFields(def, obj)),
    matchesPrevious: (prev: { labels: Record<string, string>; fields: Record<string, string> }) => matchesLabels(labels, prev.labels) && matchesFields(fields, prev.fields),
  };
}

export async function listObjects(input: ListInput): Promise<ObjectList> {
  const namespaces = authorizeKubeRead(input.actor, input.def, "list", input.namespace);
  return listTrusted({ ...input, namespaces });
}

/** The list itself, for a caller already authorized (the API, above) or the control plane's own (the system client). */
export async function listTrusted(input: Omit<ListInput, "actor">): Promise<ObjectList> {
  const { def, namespace } = input;
  const selected = objectFilter(def, input.labelSelector, input.fieldSelector);
  const filter = { matches: (obj: KubeObject) => inNamespaces(def, input.namespaces ?? null, obj) && selected.matches(obj) };
  const limit = input.limit;
  const listOf = (items: KubeObject[], resourceVersion: bigint, next?: ContinueKey): ObjectList => ({
    kind: `${def.kind}List`,
    apiVersion: apiVersionOf(def),
    metadata: { resourceVersion: resourceVersion.toString(), ...(next ? { continue: encodeContinue(next) } : {}) },
    items,
  });

  if (def.source) {
    const all = (await def.source.list()).filter(filter.matches);
    return listOf(all, (await currentRevision()).current);
  }

  let after = input.continueToken ? decodeContinue(input.continueToken) : undefined;
  return withSnapshot(async (snap) => {
    const items: KubeObject[] = [];
    for (;;) {
      const batch = await snap.page(def, namespace, after, BATCH);
      for (const [i, obj] of batch.entries()) {
        if (!filter.matches(obj)) continue;
        items.push(obj);
        if (limit !== undefined && items.length >= limit) {
          const more = i < batch.length - 1 || batch.length === BATCH;
          return listOf(items, snap.revision, more ? { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name! } : undefined);
        }
      }
      if (batch.length < BATCH) return listOf(items, snap.revision);
      const last = batch[batch.length - 1]!;
      after = { namespace: last.metadata.namespace ?? "", name: last.metadata.name! };
    }
  });
}
