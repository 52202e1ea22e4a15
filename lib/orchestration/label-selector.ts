// Label selectors as objects carry them: a LabelSelector (matchLabels + matchExpressions, ReplicaSets and
// Deployments) or a plain map (ReplicationControllers). As in apimachinery, an empty selector selects everything and a
// missing one nothing; the string form is what a list's labelSelector parameter takes.
import type { LabelSelector } from "./objects";

export type AnySelector = LabelSelector | Record<string, string> | undefined | null;

const isLabelSelector = (s: object): s is LabelSelector => "matchLabels" in s || "matchExpressions" in s;

/** A predicate over labels; `undefined`/`null` selects nothing, `{}` everything. */
export function selectorMatcher(selector: AnySelector): (labels: Record<string, string> | undefined) => boolean {
  if (!selector) return () => false;
  const s: LabelSelector = isLabelSelector(selector) ? selector : { matchLabels: selector as Record<string, string> };
  const labelsOf = Object.entries(s.matchLabels ?? {});
  const exprs = s.matchExpressions ?? [];
  return (labels) => {
    const l = labels ?? {};
    for (const [k, v] of labelsOf) if (l[k] !== v) return false;
    for (const e of exprs) {
      const has = Object.hasOwn(l, e.key);
      switch (e.operator) {
        case "In":
          if (!has || !(e.values ?? []).includes(l[e.key]!)) return false;
          break;
        case "NotIn":
          if (has && (e.values ?? []).includes(l[e.key]!)) return false;
          break;
        case "Exists":
          if (!has) return false;
          break;
        case "DoesNotExist":
          if (has) return false;
          break;
        default:
          return false;
      }
    }
    return true;
  };
}

/** The selector as a labelSelector query string (`app=web,tier in (a,b)`). */
export function selectorString(selector: AnySelector): string {
  if (!selector) return "";
  const s: LabelSelector = isLabelSelector(selector) ? selector : { matchLabels: selector as Record<string, string> };
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === "In") parts.push(`${e.key} in (${(e.values ?? []).join(",")})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${(e.values ?? []).join(",")})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

/** True when the selector selects nothing for sure (missing) or is empty (selects everything) — controllers refuse both. */
export function isEmptySelector(selector: AnySelector): boolean {
  if (!selector) return true;
  const s: LabelSelector = isLabelSelector(selector) ? selector : { matchLabels: selector as Record<string, string> };
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}
