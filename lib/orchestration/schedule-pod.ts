// One scheduling decision, pure: which node a pod goes to, or why none fits. Filters run in kube-scheduler's order and
// a node is refused by the first one that fails (the resource check names every resource that is short):
//   NodeUnschedulable  cordoned (spec.unschedulable) and no toleration of node.kubernetes.io/unschedulable
//   TaintToleration    a NoSchedule/NoExecute taint the pod does not tolerate (a node that is not Ready counts as
//                      tainted node.kubernetes.io/not-ready or /unreachable even before its taints are written)
//   NodeAffinity       nodeSelector and required node affinity
//   NodeResourcesFit   pod count, cpu and memory requests against the node's allocatable
// Feasible nodes are ranked by how many pods of the same controller they already run (fewest first: replicas spread),
// then by kube-scheduler's least-allocated score, then by name.
import type { Node, Pod, Taint } from "./objects";
import { controllerOf } from "./objects";
import { matchesNodeSelectorAndAffinity } from "./node-affinity";
import { podRequests, type Requests } from "./pod-state";
import { milliValue, wholeValue } from "./quantity";
import { firstUntolerated, taintLabel, TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, toleratesTaint } from "./taints";

/** A node and what the pods bound to it (not finished) already take. */
export interface NodeInfo {
  node: Node;
  /** allocatableOf(node), read once per version of the node. */
  allocatable: Allocatable;
  requested: Requests;
  /** The same with the scheduler's defaults for pods without requests (for scoring). */
  nonZeroRequested: Requests;
  podCount: number;
  /** Pods on the node per controller uid. */
  byController: Map<string, number>;
}

export interface Allocatable {
  milliCpu: number;
  memory: number;
  pods: number;
}

export function allocatableOf(node: Node): Allocatable {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { milliCpu: milliValue(a.cpu ?? 0), memory: wholeValue(a.memory ?? 0), pods: wholeValue(a.pods ?? 0) };
}

export function emptyNodeInfo(node: Node): NodeInfo {
  return { node, allocatable: allocatableOf(node), requested: { milliCpu: 0, memory: 0 }, nonZeroRequested: { milliCpu: 0, memory: 0 }, podCount: 0, byController: new Map() };
}

/** Adds (sign 1) or removes (sign -1) a pod's use of its node. */
export function accountPod(info: NodeInfo, pod: Pod, sign: 1 | -1): void {
  const r = podRequests(pod);
  const nz = podRequests(pod, true);
  info.requested.milliCpu += sign * r.milliCpu;
  info.requested.memory += sign * r.memory;
  info.nonZeroRequested.milliCpu += sign * nz.milliCpu;
  info.nonZeroRequested.memory += sign * nz.memory;
  info.podCount += sign;
  const owner = controllerOf(pod)?.uid;
  if (owner) {
    const n = (info.byController.get(owner) ?? 0) + sign;
    if (n > 0) info.byController.set(owner, n);
    else info.byController.delete(owner);
  }
}

/** The node's taints, plus the readiness taint its Ready condition implies when not yet written. */
export function effectiveTaints(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
  if (ready !== "True") {
    const key = ready === "False" ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    if (!taints.some((t) => t.key === key && t.effect === "NoSchedule")) taints.push({ key, effect: "NoSchedule" });
  }
  return taints;
}

export const REASON_UNSCHEDULABLE = "node(s) were unschedulable";
export const REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** Why a node cannot take the pod: [] when it can. */
export function filterNode(pod: Pod, info: NodeInfo, request: Requests = podRequests(pod)): string[] {
  const { node } = info;
  const tolerations = pod.spec?.tolerations ?? [];
  if (node.spec?.unschedulable && !tolerations.some((t) => toleratesTaint(t, { key: TAINT_UNSCHEDULABLE, effect: "NoSchedule" }))) return [REASON_UNSCHEDULABLE];
  const taint = firstUntolerated(effectiveTaints(node), tolerations, ["NoSchedule", "NoExecute"]);
  if (taint) return [`node(s) had untolerated taint ${taintLabel(taint)}`];
  if (!matchesNodeSelectorAndAffinity(pod, node)) return [REASON_AFFINITY];
  const alloc = info.allocatable;
  const short: string[] = [];
  if (info.podCount + 1 > alloc.pods) short.push("Too many pods");
  if (request.milliCpu > 0 && request.milliCpu > alloc.milliCpu - info.requested.milliCpu) short.push("Insufficient cpu");
  if (request.memory > 0 && request.memory > alloc.memory - info.requested.memory) short.push("Insufficient memory");
  return short;
}

/** kube-scheduler's LeastAllocated score (0–100, higher is emptier), cpu and memory weighed alike. */
export function leastAllocatedScore(info: NodeInfo, nonZeroRequest: Requests): number {
  const alloc = info.allocatable;
  const one = (capacity: number, requested: number) => (capacity <= 0 || requested > capacity ? 0 : Math.floor(((capacity - requested) * 100) / capacity));
  return Math.floor((one(alloc.milliCpu, info.nonZeroRequested.milliCpu + nonZeroRequest.milliCpu) + one(alloc.memory, info.nonZeroRequested.memory + nonZeroRequest.memory)) / 2);
}

export type ScheduleResult = { node: string } | { node: null; message: string; reasons: Map<string, number> };

/** "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable." — reasons counted, sorted as kube does. */
export function failureMessage(total: number, reasons: Map<string, number>): string {
  if (total === 0) return "no nodes available to schedule pods";
  const parts = [...reasons].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(", ")}` : ""}.`;
}

/**
 * How many feasible nodes to look for before choosing (kube-scheduler's percentageOfNodesToScore, adaptive): all of a
 * small cluster, then 50% less 1% per 125 nodes (at least 5%), never fewer than 100.
 */
export function feasibleNodesToFind(total: number): number {
  if (total < 100) return total;
  const percentage = Math.max(5, 50 - Math.floor(total / 125));
  return Math.max(100, Math.floor((total * percentage) / 100));
}

export interface ScheduleOptions {
  /** Where to start looking (the scheduler rotates it so every node gets its turn). */
  start?: number;
  /** Stop after this many feasible nodes (all when unset). */
  enough?: number;
}

export type Decision = ScheduleResult & { evaluated: number };

export function schedulePod(pod: Pod, nodes: readonly NodeInfo[], opts: ScheduleOptions = {}): Decision {
  const request = podRequests(pod);
  const nonZero = podRequests(pod, true);
  const owner = controllerOf(pod)?.uid;
  const reasons = new Map<string, number>();
  const total = nodes.length;
  const enough = opts.enough ?? total;
  const start = total ? (opts.start ?? 0) % total : 0;
  let feasible = 0;
  let evaluated = 0;
  let best: { name: string; spread: number; score: number } | null = null;
  for (; evaluated < total && feasible < enough; evaluated++) {
    const info = nodes[(start + evaluated) % total]!;
    const why = filterNode(pod, info, request);
    if (why.length) {
      for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      continue;
    }
    feasible++;
    const name = info.node.metadata.name!;
    const spread = owner ? (info.byController.get(owner) ?? 0) : 0;
    const score = leastAllocatedScore(info, nonZero);
    if (!best || spread < best.spread || (spread === best.spread && (score > best.score || (score === best.score && name < best.name)))) best = { name, spread, score };
  }
  if (best) return { node: best.name, evaluated };
  return { node: null, message: failureMessage(total, reasons), reasons, evaluated };
}
