// A Node (a Gantry host) as the dashboard's Nodes list shows it: ready or not, cordoned, how many pods it holds, and its
// CPU and memory — what it offers (allocatable) against what its pods ask (requests), as `kubectl describe node` sums
// them. And what draining it would do: which pods are deleted (a controller makes them again elsewhere) and which stay.
import type { KubeObject } from "@/lib/k8s/meta";
import { parseQuantity } from "@/lib/k8s/quantity";
import type { PodSpec } from "@/lib/k8s/kinds/pod-types";
import { isTerminal } from "@/lib/k8s/kinds/pod-summary";
import { controllerOf } from "./pod-view";

export interface NodeView {
  /** "Ready", "NotReady" or "Unknown" (no heartbeat condition yet). */
  ready: string;
  cordoned: boolean;
  /** kubectl's STATUS: "Ready", "NotReady,SchedulingDisabled"… */
  status: string;
  pods: number;
  cpu: { requested: number; allocatable: number | null };
  memory: { requested: number; allocatable: number | null };
  internalIP: string;
}

type NodeStatus = { conditions?: Array<{ type: string; status: string }>; allocatable?: Record<string, string>; addresses?: Array<{ type: string; address: string }> };

/** `pods` are those bound to this node and not finished (what `kubectl describe node` counts as non-terminated). */
export function nodeView(node: KubeObject, pods: readonly KubeObject[]): NodeView {
  const status = (node.status ?? {}) as NodeStatus;
  const cond = status.conditions?.find((c) => c.type === "Ready");
  const ready = cond?.status === "True" ? "Ready" : cond?.status === "False" ? "NotReady" : "Unknown";
  const cordoned = Boolean((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable);
  let cpu = 0;
  let memory = 0;
  let count = 0;
  for (const p of pods) {
    if (isTerminal(p)) continue;
    count++;
    const r = podRequests(p);
    cpu += r.cpu;
    memory += r.memory;
  }
  const alloc = status.allocatable ?? {};
  return {
    ready,
    cordoned,
    status: `${ready === "Ready" ? "Ready" : "NotReady"}${cordoned ? ",SchedulingDisabled" : ""}`,
    pods: count,
    cpu: { requested: cpu, allocatable: alloc.cpu !== undefined ? parseQuantity(alloc.cpu) : null },
    memory: { requested: memory, allocatable: alloc.memory !== undefined ? parseQuantity(alloc.memory) : null },
    internalIP: status.addresses?.find((a) => a.type === "InternalIP")?.address ?? "",
  };
}

/** A pod's requests: the sum over its containers, or its largest init container's when that is more (as the scheduler counts). */
export function podRequests(pod: KubeObject): { cpu: number; memory: number } {
  const spec = (pod.spec ?? {}) as PodSpec;
  const sum = { cpu: 0, memory: 0 };
  const of = (c: { resources?: { requests?: Record<string, string | number> } }, k: string) => parseQuantity(c.resources?.requests?.[k] ?? 0) ?? 0;
  for (const c of spec.containers ?? []) {
    sum.cpu += of(c, "cpu");
    sum.memory += of(c, "memory");
  }
  for (const c of spec.initContainers ?? []) {
    sum.cpu = Math.max(sum.cpu, of(c, "cpu"));
    sum.memory = Math.max(sum.memory, of(c, "memory"));
  }
  return sum;
}

/** "250m / 2" style CPU text (cores) and "256Mi / 7.6Gi" memory text. */
export function formatCpu(cores: number): string {
  if (cores === 0) return "0";
  return cores < 1 ? `${Math.round(cores * 1000)}m` : `${Number(cores.toFixed(2))}`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "Ki", "Mi", "Gi", "Ti"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toFixed(v >= 10 || i === 0 ? 0 : 1))}${units[i]}`;
}

export interface DrainPlan {
  /** Deleted: a controller (ReplicaSet, ReplicationController…) makes each again on another node. */
  remove: KubeObject[];
  /** Left alone: nothing would make them again (kubectl drain refuses these without --force), or already finished or going. */
  keep: Array<{ pod: KubeObject; why: string }>;
}

/** What draining a node does to the pods bound to it, decided before anything is done so the page can say it first. */
export function drainPlan(pods: readonly KubeObject[]): DrainPlan {
  const plan: DrainPlan = { remove: [], keep: [] };
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) plan.keep.push({ pod: p, why: "already terminating" });
    else if (isTerminal(p)) plan.keep.push({ pod: p, why: "finished" });
    else if (!controllerOf(p)) plan.keep.push({ pod: p, why: "no controller would make it again" });
    else plan.remove.push(p);
  }
  return plan;
}
