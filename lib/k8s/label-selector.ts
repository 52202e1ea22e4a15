// metav1.LabelSelector, the structured selector ReplicaSets, Deployments and Scale use ({matchLabels, matchExpressions}):
// its schema, its validation (kube-apiserver's messages), its string form (`app=web,tier in (a,b)`, what Scale's
// status.selector and kubectl's SELECTOR column show) and matching against labels.
import { qualifiedNameErrors } from "./meta";
import { t, type ObjectSchema } from "./schema";
import { matchesLabels, parseLabelSelector } from "./selectors";
import type { StatusCause } from "./status";

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export const labelSelectorSchema: ObjectSchema = t.object(
  {
    matchLabels: t.map(t.string(), "A map of {key,value} pairs; each is the requirement key In [value]. The requirements are ANDed."),
    matchExpressions: t.array(
      t.object(
        {
          key: t.string("The label key that the selector applies to."),
          operator: t.string("A key's relationship to a set of values: In, NotIn, Exists and DoesNotExist."),
          values: t.array(t.string(), "The values: non-empty for In and NotIn, empty for Exists and DoesNotExist."),
        },
        {
          name: "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
          required: ["key", "operator"],
          description: "A selector that contains values, a key, and an operator that relates the key and values.",
          proto: { key: 1, operator: 2, values: 3 },
        },
      ),
      "A list of label selector requirements. The requirements are ANDed.",
    ),
  },
  {
    name: "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    description: "A label query over a set of resources: the result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects.",
    proto: { matchLabels: 1, matchExpressions: 2 },
  },
);

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

export function labelValueErrors(v: string): string[] {
  if (v.length > 63) return ["must be no more than 63 characters"];
  if (!LABEL_VALUE.test(v))
    return ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"];
  return [];
}

/** Label keys and values of a label map (`spec.nodeSelector`, `spec.selector` of an RC), kube-apiserver's way. */
export function labelMapErrors(labels: Record<string, string> | undefined, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const e of qualifiedNameErrors(k)) out.push({ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(k)}: ${e}` });
    for (const e of labelValueErrors(v)) out.push({ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(v)}: ${e}` });
  }
  return out;
}

export function labelSelectorErrors(sel: LabelSelector | undefined, field: string): StatusCause[] {
  if (!sel) return [];
  const out = labelMapErrors(sel.matchLabels, `${field}.matchLabels`);
  for (const [i, r] of (sel.matchExpressions ?? []).entries()) {
    const at = `${field}.matchExpressions[${i}]`;
    if (!r.key) out.push({ reason: "FieldValueRequired", field: `${at}.key`, message: "Required value" });
    else for (const e of qualifiedNameErrors(r.key)) out.push({ reason: "FieldValueInvalid", field: `${at}.key`, message: `Invalid value: ${JSON.stringify(r.key)}: ${e}` });
    if (!OPERATORS.includes(r.operator))
      out.push({ reason: "FieldValueInvalid", field: `${at}.operator`, message: `Invalid value: ${JSON.stringify(r.operator)}: not a valid selector operator` });
    else if ((r.operator === "In" || r.operator === "NotIn") && !r.values?.length)
      out.push({ reason: "FieldValueRequired", field: `${at}.values`, message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" });
    else if ((r.operator === "Exists" || r.operator === "DoesNotExist") && r.values?.length)
      out.push({ reason: "FieldValueForbidden", field: `${at}.values`, message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
    for (const v of r.values ?? []) for (const e of labelValueErrors(v)) out.push({ reason: "FieldValueInvalid", field: `${at}.values`, message: `Invalid value: ${JSON.stringify(v)}: ${e}` });
  }
  return out;
}

export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** The selector as kubectl and Scale write it: requirements sorted by key, `k=v`, `k in (a,b)`, `k`, `!k`. */
export function selectorString(sel: LabelSelector | Record<string, string> | undefined): string {
  if (!sel) return "";
  const structured = "matchLabels" in sel || "matchExpressions" in sel;
  const labels = (structured ? (sel as LabelSelector).matchLabels : (sel as Record<string, string>)) ?? {};
  const exprs = structured ? ((sel as LabelSelector).matchExpressions ?? []) : [];
  const parts: Array<[string, string]> = Object.entries(labels).map(([k, v]) => [k, `${k}=${v}`]);
  for (const r of exprs) {
    const values = [...(r.values ?? [])].sort().join(",");
    if (r.operator === "In") parts.push([r.key, `${r.key} in (${values})`]);
    else if (r.operator === "NotIn") parts.push([r.key, `${r.key} notin (${values})`]);
    else if (r.operator === "Exists") parts.push([r.key, r.key]);
    else if (r.operator === "DoesNotExist") parts.push([r.key, `!${r.key}`]);
  }
  return parts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s).join(",");
}

/** Whether labels match a structured selector (an empty selector matches everything, as in Kubernetes). */
export function selectorMatches(sel: LabelSelector | Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return matchesLabels(parseLabelSelector(selectorString(sel)), labels);
}
