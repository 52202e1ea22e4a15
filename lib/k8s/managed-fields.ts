// Who manages which field (metadata.managedFields), for server-side apply. Every write records its field manager
// (`?fieldManager=`, else the client's name from its User-Agent): a create owns every field it set, an update or patch
// takes the fields it changed from whoever held them, and an apply owns exactly the fields of the configuration it sent.
// Field sets are kept in Kubernetes' FieldsV1 form ({"f:data": {"f:a": {}}}, list items by merge key as
// `k:{"name":"x"}`, set members as `v:"x"`), driven by the kind's schema.
import { canonicalJson } from "./canonical";
import { rfc3339, type KubeObject } from "./meta";
import { mergesList, type Schema } from "./schema";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
}

/** A field path as FieldsV1 tokens joined with NUL: "f:data\0f:a", "f:spec\0f:containers\0k:{\"name\":\"c\"}\0.". */
export type FieldPath = string;
const SEP = "\u0000";

/** The writer of a change: its field manager and whether it applies a configuration or updates the object. */
export interface FieldManager {
  manager: string;
  operation: "Apply" | "Update";
}

/** The fields the server owns or that name the object: never managed. */
const SKIP_TOP = new Set(["apiVersion", "kind", "status"]);
const MANAGED_META = new Set(["labels", "annotations", "finalizers", "ownerReferences"]);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

function child(schema: Schema | undefined, key: string): Schema | undefined {
  if (!schema) return undefined;
  if (schema.type === "object") return schema.properties[key];
  if (schema.type === "map") return schema.values;
  return undefined;
}

/** Every managed leaf of an object (a whole object's configuration, as applied or as stored). */
export function fieldSet(obj: KubeObject, schema: Schema): Set<FieldPath> {
  const out = new Set<FieldPath>();
  for (const [k, v] of Object.entries(obj)) {
    if (SKIP_TOP.has(k) || v === undefined) continue;
    if (k === "metadata") {
      for (const [mk, mv] of Object.entries(obj.metadata)) {
        if (MANAGED_META.has(mk) && mv !== undefined) walk(mv, child(child(schema, "metadata"), mk), ["f:metadata", `f:${mk}`], out);
      }
      continue;
    }
    walk(v, child(schema, k), [`f:${k}`], out);
  }
  return out;
}

function walk(value: unknown, schema: Schema | undefined, path: string[], out: Set<FieldPath>): void {
  if (Array.isArray(value) && mergesList(schema)) {
    if (schema.mergeKey) {
      for (const el of value) {
        if (!isObject(el)) continue;
        const item = [...path, `k:${JSON.stringify({ [schema.mergeKey]: el[schema.mergeKey] })}`];
        out.add([...item, "."].join(SEP));
        for (const [k, v] of Object.entries(el)) walk(v, child(schema.items, k), [...item, `f:${k}`], out);
      }
    } else {
      for (const el of value) out.add([...path, `v:${JSON.stringify(el)}`].join(SEP));
    }
    return;
  }
  if (isObject(value) && Object.keys(value).length > 0 && schema?.type !== "any") {
    for (const [k, v] of Object.entries(value)) walk(v, child(schema, k), [...path, `f:${k}`], out);
    return;
  }
  out.add(path.join(SEP));
}

/** The value at a field path (undefined when absent); a set member or a list item's "." is `true` when present. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur: unknown = obj;
  for (const tok of path.split(SEP)) {
    if (cur === undefined || cur === null) return undefined;
    if (tok === ".") return cur === undefined ? undefined : true;
    if (tok.startsWith("f:")) cur = isObject(cur) ? cur[tok.slice(2)] : undefined;
    else if (tok.startsWith("k:")) {
      const key = JSON.parse(tok.slice(2)) as Record<string, unknown>;
      const [name, want] = Object.entries(key)[0]!;
      cur = Array.isArray(cur) ? cur.find((e) => isObject(e) && canonicalJson(e[name]) === canonicalJson(want)) : undefined;
    } else if (tok.startsWith("v:")) {
      const want = tok.slice(2);
      return Array.isArray(cur) && cur.some((e) => JSON.stringify(e) === want) ? true : undefined;
    }
  }
  return cur;
}

/** Removes the field at a path from `obj` (in place). */
export function removeAt(obj: Record<string, unknown>, path: FieldPath): void {
  const toks = path.split(SEP);
  let parent: unknown = obj;
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i]!;
    const last = i === toks.length - 1 || (i === toks.length - 2 && toks[i + 1] === ".");
    if (tok.startsWith("f:")) {
      if (!isObject(parent)) return;
      if (last) return void delete parent[tok.slice(2)];
      parent = parent[tok.slice(2)];
    } else if (tok.startsWith("k:")) {
      if (!Array.isArray(parent)) return;
      const [name, want] = Object.entries(JSON.parse(tok.slice(2)) as Record<string, unknown>)[0]!;
      const at = parent.findIndex((e) => isObject(e) && canonicalJson(e[name]) === canonicalJson(want));
      if (at < 0) return;
      if (last) return void parent.splice(at, 1);
      parent = parent[at];
    } else if (tok.startsWith("v:")) {
      if (!Array.isArray(parent)) return;
      const at = parent.findIndex((e) => JSON.stringify(e) === tok.slice(2));
      if (at >= 0) parent.splice(at, 1);
      return;
    }
  }
}

/** How kube-apiserver names a field in a conflict: `.data.a`, `.spec.containers[name="c"].image`. */
export function describePath(path: FieldPath): string {
  let out = "";
  for (const tok of path.split(SEP)) {
    if (tok.startsWith("f:")) out += `.${tok.slice(2)}`;
    else if (tok.startsWith("k:")) {
      const [name, v] = Object.entries(JSON.parse(tok.slice(2)) as Record<string, unknown>)[0]!;
      out += `[${name}=${JSON.stringify(v)}]`;
    } else if (tok.startsWith("v:")) out += `[=${tok.slice(2)}]`;
  }
  return out;
}

export function toFieldsV1(paths: Iterable<FieldPath>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let node = root;
    for (const tok of p.split(SEP)) node = (node[tok] ??= {}) as Record<string, unknown>;
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix: string[] = [], out = new Set<FieldPath>()): Set<FieldPath> {
  if (!isObject(fields)) return out;
  for (const [tok, sub] of Object.entries(fields)) {
    const path = [...prefix, tok];
    if (tok === "." || !isObject(sub) || Object.keys(sub).length === 0) out.add(path.join(SEP));
    else fromFieldsV1(sub, path, out);
  }
  return out;
}

export function entriesOf(obj: KubeObject): ManagedFieldsEntry[] {
  return Array.isArray(obj.metadata.managedFields) ? (obj.metadata.managedFields as ManagedFieldsEntry[]) : [];
}

export function ownedBy(entries: ManagedFieldsEntry[]): Array<{ entry: ManagedFieldsEntry; fields: Set<FieldPath> }> {
  return entries.map((entry) => ({ entry, fields: fromFieldsV1(entry.fieldsV1) }));
}

function entry(who: FieldManager, apiVersion: string, fields: Set<FieldPath>, now: Date): ManagedFieldsEntry {
  return { manager: who.manager, operation: who.operation, apiVersion, time: rfc3339(now), fieldsType: "FieldsV1", fieldsV1: toFieldsV1([...fields].sort()) };
}

/**
 * The managedFields after a write by `who`: on create it owns every field; on update it takes the fields whose value
 * changed (from everyone else), and fields that went away leave every set; an apply owns `applied` exactly.
 */
export function nextManagedFields(
  old: KubeObject | undefined,
  next: KubeObject,
  schema: Schema,
  who: FieldManager,
  applied?: Set<FieldPath>,
): ManagedFieldsEntry[] {
  const now = new Date();
  const nextFields = fieldSet(next, schema);
  // A manager that owns nothing has no entry — on create as on update (an apply of only a name kept an empty entry at
  // create that the next identical apply dropped, a change that made it "configured" instead of "unchanged").
  if (!old) {
    const own = applied ?? nextFields;
    return own.size ? [entry(who, next.apiVersion, own, now)] : [];
  }
  const oldFields = fieldSet(old, schema);
  const changed = new Set<FieldPath>();
  for (const p of nextFields) if (canonicalJson(valueAt(old, p)) !== canonicalJson(valueAt(next, p))) changed.add(p);
  const removed = new Set([...oldFields].filter((p) => !nextFields.has(p)));
  const out: ManagedFieldsEntry[] = [];
  let mine: Set<FieldPath> | undefined;
  for (const { entry: e, fields } of ownedBy(entriesOf(old))) {
    const isMine = e.manager === who.manager && e.operation === who.operation;
    const kept = new Set([...fields].filter((p) => !removed.has(p) && (isMine || !changed.has(p))));
    if (isMine) {
      mine = kept;
      continue;
    }
    if (kept.size === 0) continue;
    out.push(kept.size === fields.size ? e : { ...e, fieldsV1: toFieldsV1([...kept].sort()) });
  }
  const own = applied ?? new Set([...(mine ?? []), ...changed]);
  if (own.size) out.push(entry(who, next.apiVersion, own, now));
  return out;
}
