// A pod as the dashboard's lists and fleet map show it: kubectl's READY, STATUS and RESTARTS (lib/k8s/kinds/pod-summary.ts),
// its host and address, and a tone for the status — the text always says the state, the colour only repeats it.
import type { KubeObject } from "@/lib/k8s/meta";
import { podSummary } from "@/lib/k8s/kinds/pod-summary";
import type { PodSpec, PodStatus } from "@/lib/k8s/kinds/pod-types";

export type StateTone = "ok" | "pending" | "failed" | "done" | "gone";

export interface PodView {
  ready: string;
  status: string;
  /** kubectl's RESTARTS text: "3 (5m ago)". */
  restarts: string;
  restartCount: number;
  host: string;
  podIP: string;
  tone: StateTone;
}

const FAILED = /^(Init:)?(Error|CrashLoopBackOff|ImagePullBackOff|ErrImagePull|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError|OOMKilled|ContainerCannotRun|DeadlineExceeded|Evicted|Failed|Unknown|NodeLost|ExitCode:.*|Signal:.*|StartError)$/;

/** How a kubectl STATUS reads at a glance. */
export function statusTone(status: string): StateTone {
  if (status === "Running") return "ok";
  if (status === "Completed" || status === "Succeeded") return "done";
  if (status === "Terminating") return "gone";
  if (FAILED.test(status)) return "failed";
  return "pending";
}

export function podView(pod: KubeObject, now: Date): PodView {
  const s = podSummary(pod, now);
  const status = (pod.status ?? {}) as PodStatus;
  let restartCount = 0;
  for (const c of status.containerStatuses ?? []) restartCount += c.restartCount ?? 0;
  return {
    ...s,
    restartCount,
    host: ((pod.spec ?? {}) as PodSpec).nodeName ?? "",
    podIP: status.podIP ?? "",
    tone: statusTone(s.status),
  };
}

/** The controller a pod belongs to (its ownerReference with controller: true), if any. */
export function controllerOf(o: KubeObject): { kind: string; name: string } | null {
  const refs = (o.metadata as { ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> }).ownerReferences ?? [];
  const c = refs.find((r) => r.controller);
  return c ? { kind: c.kind, name: c.name } : null;
}
