// Where a Deployment's rollout stands, as `kubectl rollout status` decides it (kubectl's DeploymentStatusViewer): the
// spec not yet observed, new replicas being updated, old ones pending termination, updated ones not yet available,
// the progress deadline exceeded — or complete. Pure.
export interface DeploymentStatusLike {
  metadata: { generation?: number };
  spec?: { replicas?: number; paused?: boolean };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export interface RolloutState {
  phase: "progressing" | "complete" | "failed" | "paused";
  message: string;
}

export function rolloutState(d: DeploymentStatusLike): RolloutState {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  const progressing = s.conditions?.find((c) => c.type === "Progressing");
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { phase: "progressing", message: "Waiting for the deployment spec update to be observed…" };
  if (d.spec?.paused) return { phase: "paused", message: "The rollout is paused: changes to the template wait until it is resumed." };
  if (progressing?.reason === "ProgressDeadlineExceeded") return { phase: "failed", message: `The rollout exceeded its progress deadline: ${progressing.message ?? ""}`.trim() };
  const updated = s.updatedReplicas ?? 0;
  if (updated < want) return { phase: "progressing", message: `${updated} of ${want} new replicas have been updated…` };
  const total = s.replicas ?? 0;
  if (total > updated) return { phase: "progressing", message: `${total - updated} old ${total - updated === 1 ? "replica is" : "replicas are"} pending termination…` };
  const available = s.availableReplicas ?? 0;
  if (available < updated) return { phase: "progressing", message: `${available} of ${updated} updated replicas are available…` };
  return { phase: "complete", message: "The rollout is complete: every replica runs the current template." };
}
