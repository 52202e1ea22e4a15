// Label selectors as objects carry them — a LabelSelector (matchLabels + matchExpressions: ReplicaSets, Deployments)
// or a plain map (ReplicationControllers) — compiled once into a predicate the controllers run over every pod of a
// namespace (lib/k8s/label-selector.ts's selectorMatches goes through the selector's text on each call). As in
// apimachinery's LabelSelectorAsSelector, an empty selector selects everything and a missing one nothing.
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

/** True when the selector selects nothing for sure (missing) or is empty (selects everything) — controllers refuse both. */
export function isEmptySelector(selector: AnySelector): boolean {
  if (!selector) return true;
  const s: LabelSelector = isLabelSelector(selector) ? selector : { matchLabels: selector as Record<string, string> };
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}
