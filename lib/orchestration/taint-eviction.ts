// When a pod must leave its node because of the node's NoExecute taints (kube's taint-based eviction), pure: at once for
// a taint it does not tolerate, after tolerationSeconds counted from the taint's timeAdded for one it tolerates for a
// while, never for one it tolerates for ever. timeAdded has whole seconds (as Kubernetes writes times): the taint came
// at most a second after it, so the count starts at its end — an eviction may come up to a second late, never early. Pods get the default not-ready/unreachable tolerations of 300 s when
// they have none of their own (default-tolerations.ts), as admission gives them in Kubernetes.
import { withDefaultTolerations } from "./default-tolerations";
import type { Node, Pod } from "./objects";
import { toleratesTaint } from "./taints";

/** Milliseconds since the epoch at which the pod is evicted, or null when its node's taints let it stay. */
export function evictionTime(pod: Pod, node: Node, now: number): number | null {
  const tolerations = withDefaultTolerations(pod.spec?.tolerations);
  let at: number | null = null;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== "NoExecute") continue;
    const used = tolerations.find((t) => toleratesTaint(t, taint));
    let when: number;
    if (!used) when = now;
    else if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    else {
      const since = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
      when = (Number.isNaN(since) ? now : since + 999) + Math.max(0, used.tolerationSeconds) * 1000;
    }
    at = at === null ? when : Math.min(at, when);
  }
  return at;
}
