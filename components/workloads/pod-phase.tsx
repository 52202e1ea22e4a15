// A pod's status as kubectl's STATUS column says it: Terminating, a container's waiting or terminated reason
// (CrashLoopBackOff, ContainerCreating, Error), else the phase.
import type { Pod } from "@/lib/k8s/kinds/pod-types";
import { Badge, type BadgeTone } from "@/components/ui";

export function podStatusText(p: Pod): string {
  if (p.metadata.deletionTimestamp) return "Terminating";
  for (const c of [...(p.status?.initContainerStatuses ?? [])]) {
    if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") return `Init:${c.state.waiting.reason}`;
  }
  for (const c of p.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason && p.status?.phase !== "Succeeded") return c.state.terminated.reason;
  }
  return p.status?.phase ?? "Pending";
}

export function PodPhase({ pod }: { pod: Pod }) {
  const text = podStatusText(pod);
  const tone: BadgeTone = text === "Running" || text === "Succeeded" ? "success" : text === "Pending" || text === "ContainerCreating" || text === "Terminating" ? "info" : "danger";
  return (
    <Badge tone={tone} data-testid="pod-status">
      {text}
    </Badge>
  );
}
