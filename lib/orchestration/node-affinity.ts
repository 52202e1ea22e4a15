// Does a node match a pod's nodeSelector and its required node affinity (NodeSelectorTerms OR'ed, each term's
// requirements AND'ed; a term with no requirement matches nothing), as kube-scheduler's NodeAffinity filter decides.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from "./objects";

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined, has: boolean): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return has && values.includes(value!);
    case "NotIn":
      return !has || !values.includes(value!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has || values.length !== 1 || !/^-?\d+$/.test(value!) || !/^-?\d+$/.test(values[0]!)) return false;
      const [a, b] = [BigInt(value!), BigInt(values[0]!)];
      return r.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels[r.key], Object.hasOwn(labels, r.key))) return false;
  for (const r of fields) {
    // Only metadata.name is a node field selectors may use (validation refuses others).
    if (r.key !== "metadata.name") return false;
    if (!requirementMatches(r, node.metadata.name, true)) return false;
  }
  return true;
}

export function matchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}
