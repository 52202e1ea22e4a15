// The taints the control plane keeps on a Node, pure (kube's node lifecycle controller, TaintNodesByCondition and
// taint-based eviction): node.kubernetes.io/not-ready (Ready False) or /unreachable (Ready Unknown) with both
// NoSchedule and NoExecute while the node is not Ready, and node.kubernetes.io/unschedulable:NoSchedule while it is
// cordoned. A taint that stays keeps its timeAdded (taint-based eviction counts tolerationSeconds from it); taints
// anyone else put there are kept as they are.
import { rfc3339 } from "@/lib/k8s/meta";
import type { Node, Taint } from "./objects";
import { TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE } from "./taints";

const MANAGED = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE]);

export function readyStatus(node: Node): "True" | "False" | "Unknown" {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown";
}

/** The node's taints as they should be now; `now` stamps the NoExecute ones newly added. */
export function desiredTaints(node: Node, now: Date): Taint[] {
  const current = node.spec?.taints ?? [];
  const want: Taint[] = [];
  const ready = readyStatus(node);
  if (ready !== "True") {
    const key = ready === "False" ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    want.push({ key, effect: "NoSchedule" }, { key, effect: "NoExecute" });
  }
  if (node.spec?.unschedulable) want.push({ key: TAINT_UNSCHEDULABLE, effect: "NoSchedule" });
  const kept = current.filter((t) => !MANAGED.has(t.key));
  const managed = want.map((w) => {
    const had = current.find((t) => t.key === w.key && t.effect === w.effect);
    if (w.effect !== "NoExecute") return had ? { ...w, ...(had.timeAdded ? { timeAdded: had.timeAdded } : {}) } : w;
    return { ...w, timeAdded: had?.timeAdded ?? rfc3339(now) };
  });
  return [...kept, ...managed];
}

export function sameTaints(a: readonly Taint[] | undefined, b: readonly Taint[] | undefined): boolean {
  const key = (t: Taint) => `${t.key}\u0000${t.value ?? ""}\u0000${t.effect}\u0000${t.timeAdded ?? ""}`;
  const ka = (a ?? []).map(key).sort();
  const kb = (b ?? []).map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}
