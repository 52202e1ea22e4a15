// kube-apiserver's DefaultTolerationSeconds admission: every pod that does not already tolerate them gets
// node.kubernetes.io/not-ready and node.kubernetes.io/unreachable NoExecute tolerations of 300 s, so a pod stays five
// minutes on a node that stopped answering before it is evicted. The Pod kind calls this at creation; the taint-based
// eviction applies it too when it computes (for pods written before it existed).
import type { PodSpec, Toleration } from "./objects";
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from "./taints";

export const DEFAULT_TOLERATION_SECONDS = 300;

const tolerates = (t: Toleration, key: string) => (!t.key || t.key === key) && (!t.effect || t.effect === "NoExecute");

/** The tolerations with the defaults added where missing (the input is not changed). */
export function withDefaultTolerations(tolerations: readonly Toleration[] | undefined, seconds = DEFAULT_TOLERATION_SECONDS): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE])
    if (!out.some((t) => tolerates(t, key))) out.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
  return out;
}

/** Adds the default tolerations to a pod spec in place (what admission does to a pod being created). */
export function addDefaultTolerations(spec: PodSpec): void {
  spec.tolerations = withDefaultTolerations(spec.tolerations);
}
