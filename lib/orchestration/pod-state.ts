// What controllers and the scheduler ask of a pod: is it terminal, active, ready, available; what it requests.
import type { Container, Pod, PodCondition } from "./objects";
import { milliValue, wholeValue } from "./quantity";

export const isTerminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
export const isTerminating = (p: Pod) => !!p.metadata.deletionTimestamp;
/** Counted by its controller: neither finished nor being deleted. */
export const isActive = (p: Pod) => !isTerminal(p) && !isTerminating(p);

export function podCondition(p: Pod, type: string): PodCondition | undefined {
  return p.status?.conditions?.find((c) => c.type === type);
}

export const isReady = (p: Pod) => podCondition(p, "Ready")?.status === "True";

/** Ready for at least minReadySeconds (by the Ready condition's lastTransitionTime). */
export function isAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  const c = podCondition(p, "Ready");
  if (c?.status !== "True") return false;
  if (!minReadySeconds) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

/** When a ready pod becomes available (ms since the epoch), for requeueing; null when it is not ready. */
export function availableAt(p: Pod, minReadySeconds: number): number | null {
  const c = podCondition(p, "Ready");
  if (c?.status !== "True") return null;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
  return since + minReadySeconds * 1000;
}

export interface Requests {
  milliCpu: number;
  memory: number;
}

function containerRequests(c: Container, nonZero: boolean): Requests {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  // The API defaults a missing request to its limit.
  const cpu = req.cpu ?? lim.cpu;
  const mem = req.memory ?? lim.memory;
  return {
    milliCpu: cpu !== undefined ? milliValue(cpu) : nonZero ? DEFAULT_MILLI_CPU : 0,
    memory: mem !== undefined ? wholeValue(mem) : nonZero ? DEFAULT_MEMORY : 0,
  };
}

/** kube-scheduler's non-zero defaults for a container without requests, used only to score. */
export const DEFAULT_MILLI_CPU = 100;
export const DEFAULT_MEMORY = 200 * 1024 * 1024;

/**
 * What the pod requests of its node (kube-scheduler's computePodResourceRequest): the sum of its containers (and of
 * sidecar init containers, which keep running), at least any one init container's request, plus the pod's overhead.
 * `nonZero` gives containers without requests the scheduler's scoring defaults.
 */
export function podRequests(p: Pod, nonZero = false): Requests {
  const sum: Requests = { milliCpu: 0, memory: 0 };
  for (const c of p.spec?.containers ?? []) {
    const r = containerRequests(c, nonZero);
    sum.milliCpu += r.milliCpu;
    sum.memory += r.memory;
  }
  let sidecars: Requests = { milliCpu: 0, memory: 0 };
  const initMax: Requests = { milliCpu: 0, memory: 0 };
  for (const c of p.spec?.initContainers ?? []) {
    const r = containerRequests(c, false);
    if (c.restartPolicy === "Always") {
      sidecars = { milliCpu: sidecars.milliCpu + r.milliCpu, memory: sidecars.memory + r.memory };
      sum.milliCpu += r.milliCpu;
      sum.memory += r.memory;
    } else {
      initMax.milliCpu = Math.max(initMax.milliCpu, sidecars.milliCpu + r.milliCpu);
      initMax.memory = Math.max(initMax.memory, sidecars.memory + r.memory);
    }
  }
  const out = { milliCpu: Math.max(sum.milliCpu, initMax.milliCpu), memory: Math.max(sum.memory, initMax.memory) };
  const overhead = p.spec?.overhead;
  if (overhead) {
    out.milliCpu += milliValue(overhead.cpu);
    out.memory += wholeValue(overhead.memory);
  }
  return out;
}
