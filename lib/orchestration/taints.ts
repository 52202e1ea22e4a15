// Taints and tolerations, as the scheduler and the taint-based eviction read them (k8s.io/api core/v1
// Toleration.ToleratesTaint and the NoExecute taint manager's minimum toleration time).
import type { Taint, Toleration } from "./objects";

export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function firstUntolerated(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly Taint["effect"][]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !(tolerations ?? []).some((t) => toleratesTaint(t, taint)));
}

/**
 * How long a pod may stay on a node with these NoExecute taints: null when every one is tolerated for ever, 0 when one
 * is not tolerated at all (evict now), else the smallest tolerationSeconds among the tolerations used.
 */
export function noExecuteToleranceSeconds(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined): number | null {
  const noExecute = (taints ?? []).filter((t) => t.effect === "NoExecute");
  if (noExecute.length === 0) return null;
  let min: number | null = null;
  for (const taint of noExecute) {
    const used = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!used) return 0;
    if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    if (used.tolerationSeconds <= 0) return 0;
    min = min === null ? used.tolerationSeconds : Math.min(min, used.tolerationSeconds);
  }
  return min;
}

/** Kubernetes' "{key: value}" rendering of a taint in scheduler messages. */
export const taintLabel = (t: Taint) => `{${t.key}: ${t.value ?? ""}}`;
