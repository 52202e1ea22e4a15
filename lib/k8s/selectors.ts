// Label selectors (`app=web,tier!=db,env in (a,b),!legacy,release`) and field selectors (`metadata.name=x`), parsed
// once per request and matched against objects in lists and watches, as kube-apiserver does (it filters in the server,
// not in storage).
import type { KubeObject } from "./meta";
import type { ResourceDef } from "./resources";
import { badRequest } from "./status";

type LabelOp = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}
export type LabelSelector = LabelRequirement[];

const KEY = /^([A-Za-z0-9][-A-Za-z0-9_./]*)?[A-Za-z0-9]$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside a parenthesised set. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseLabelSelector(raw: string | null | undefined): LabelSelector {
  if (!raw || !raw.trim()) return [];
  const reqs: LabelSelector = [];
  for (const part of splitTop(raw)) {
    const p = part.trim();
    const fail = (why: string) => badRequest(`unable to parse requirement: ${why}: ${JSON.stringify(p)} in labelSelector ${JSON.stringify(raw)}`);
    if (!p) throw fail("empty requirement");
    let m: RegExpExecArray | null;
    let req: LabelRequirement;
    if ((m = /^([^\s!=<>()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(p))) {
      req = { key: m[1]!, op: m[2] as "in" | "notin", values: m[3]!.split(",").map((v) => v.trim()) };
      if (req.values.some((v) => v === "") && req.values.length > 1) throw fail("empty value in a set");
    } else if ((m = /^([^\s!=<>()]+)\s*(==|=|!=)\s*([^\s,()]*)$/.exec(p))) {
      req = { key: m[1]!, op: m[2] === "!=" ? "!=" : "=", values: [m[3]!] };
    } else if ((m = /^([^\s!=<>()]+)\s*([<>])\s*(-?\d+)$/.exec(p))) {
      req = { key: m[1]!, op: m[2] === ">" ? "gt" : "lt", values: [m[3]!] };
    } else if ((m = /^!\s*([^\s!=<>()]+)$/.exec(p))) {
      req = { key: m[1]!, op: "!", values: [] };
    } else if ((m = /^([^\s!=<>()]+)$/.exec(p))) {
      req = { key: m[1]!, op: "exists", values: [] };
    } else {
      throw fail("unrecognised requirement");
    }
    if (!KEY.test(req.key) || req.key.length > 317) throw fail(`invalid label key ${JSON.stringify(req.key)}`);
    for (const v of req.values) if (!VALUE.test(v) || v.length > 63) throw fail(`invalid label value ${JSON.stringify(v)}`);
    reqs.push(req);
  }
  return reqs;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every(({ key, op, values }) => {
    const has = Object.hasOwn(l, key);
    const v = l[key];
    switch (op) {
      case "=":
        return has && v === values[0];
      case "!=":
        return !has || v !== values[0];
      case "in":
        return has && values.includes(v!);
      case "notin":
        return !has || !values.includes(v!);
      case "exists":
        return has;
      case "!":
        return !has;
      case "gt":
      case "lt": {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        return op === "gt" ? Number(v) > Number(values[0]) : Number(v) < Number(values[0]);
      }
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}
export type FieldSelector = FieldRequirement[];

/** The fields an object offers to field selectors: metadata.name and metadata.namespace, and its kind's own. */
export function selectableFields(def: ResourceDef, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { "metadata.name": obj.metadata.name ?? "" };
  if (def.namespaced) fields["metadata.namespace"] = obj.metadata.namespace ?? "";
  return { ...fields, ...def.selectableFields?.(obj) };
}

export function parseFieldSelector(raw: string | null | undefined, def: ResourceDef): FieldSelector {
  if (!raw || !raw.trim()) return [];
  const supported = new Set(["metadata.name", ...(def.namespaced ? ["metadata.namespace"] : [])]);
  const sample = def.selectableFields?.({ apiVersion: "", kind: "", metadata: {} }) ?? {};
  for (const k of Object.keys(sample)) supported.add(k);
  return raw.split(",").map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${raw}'; can't understand '${part}'`);
    const field = m[1]!;
    if (!supported.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, op: m[2] === "!=" ? "!=" : "=", value: m[3]! };
  });
}

export function matchesFields(selector: FieldSelector, fields: Record<string, string>): boolean {
  return selector.every(({ field, op, value }) => (op === "=" ? fields[field] === value : fields[field] !== value));
}

/** What a change log row keeps of an object's state before the change (for selector-filtered watches). */
export function previousOf(def: ResourceDef, obj: KubeObject): { labels: Record<string, string>; fields: Record<string, string> } {
  return { labels: obj.metadata.labels ?? {}, fields: selectableFields(def, obj) };
}
