// Strategic merge patch (`application/strategic-merge-patch+json`), kubectl's default for built-in kinds: a merge patch
// whose lists follow the schema — lists marked patchStrategy "merge" with a mergeKey (containers by name) merge element
// by element, lists of scalars marked "merge" are unions — plus the directives kubectl writes: `$patch: replace|delete`,
// `$retainKeys`, `$setElementOrder/FIELD` and `$deleteFromPrimitiveList/FIELD`. For kinds without such lists
// (ConfigMap, Secret, Namespace) it is the same as a merge patch.
import { canonicalJson, clone } from "../canonical";
import { mergesList, type Schema } from "../schema";
import { badRequest } from "../status";

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

function fieldSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (!schema) return undefined;
  if (schema.type === "object") return schema.properties[key];
  if (schema.type === "map") return schema.values;
  return undefined;
}

export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: Schema | undefined): unknown {
  if (!isObject(patch)) throw badRequest("a strategic merge patch must be a JSON object");
  return mergeMap(isObject(original) ? original : {}, patch, schema);
}

function mergeMap(original: Record<string, unknown>, patch: Record<string, unknown>, schema: Schema | undefined): Record<string, unknown> | undefined {
  const directive = patch.$patch;
  if (directive === "delete") return undefined;
  const body = Object.fromEntries(Object.entries(patch).filter(([k]) => k !== "$patch" && k !== "$retainKeys" && !k.startsWith("$setElementOrder/") && !k.startsWith("$deleteFromPrimitiveList/")));
  if (directive === "replace") return stripDirectives(body) as Record<string, unknown>;
  if (directive !== undefined && directive !== "merge") throw badRequest(`unknown patch directive $patch: ${JSON.stringify(directive)}`);

  const out: Record<string, unknown> = { ...original };
  for (const [k, v] of Object.entries(body)) {
    const s = fieldSchema(schema, k);
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v, s);
    else if (isObject(v)) {
      const merged = mergeMap(isObject(out[k]) ? (out[k] as Record<string, unknown>) : {}, v, s);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
      const drop = new Set(v.map(canonicalJson));
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !drop.has(canonicalJson(x)));
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith("$setElementOrder/")) continue;
    const field = k.slice("$setElementOrder/".length);
    if (!Array.isArray(v) || !Array.isArray(out[field])) continue;
    const s = fieldSchema(schema, field);
    const keyOf = (x: unknown) => (s?.type === "array" && s.mergeKey && isObject(x) ? canonicalJson(x[s.mergeKey]) : canonicalJson(x));
    const rank = new Map(v.map((x, i) => [keyOf(x), i]));
    const list = out[field] as unknown[];
    out[field] = [...list.filter((x) => rank.has(keyOf(x))).sort((a, b) => rank.get(keyOf(a))! - rank.get(keyOf(b))!), ...list.filter((x) => !rank.has(keyOf(x)))];
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], schema: Schema | undefined): unknown[] {
  const list = mergesList(schema) ? schema : undefined;
  // A `{"$patch": "replace"}` element replaces the whole list with the other elements.
  if (patch.some((e) => isObject(e) && e.$patch === "replace")) return stripDirectives(patch.filter((e) => !(isObject(e) && e.$patch === "replace"))) as unknown[];
  if (!list) return stripDirectives(patch) as unknown[];
  if (!list.mergeKey) {
    const out = [...original];
    for (const v of patch) if (!out.some((o) => canonicalJson(o) === canonicalJson(v))) out.push(clone(v));
    return out;
  }
  const key = list.mergeKey;
  const out = [...original];
  for (const element of patch) {
    if (!isObject(element)) throw badRequest(`a list merged by ${key} must hold objects`);
    if (!Object.hasOwn(element, key)) throw badRequest(`map: ${canonicalJson(element)} does not contain declared merge key: ${key}`);
    const at = out.findIndex((o) => isObject(o) && canonicalJson(o[key]) === canonicalJson(element[key]));
    if (element.$patch === "delete") {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeMap(out[at] as Record<string, unknown>, element, list.items);
    else out.push(stripDirectives(element));
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith("$")).map(([k, x]) => [k, stripDirectives(x)]));
}
