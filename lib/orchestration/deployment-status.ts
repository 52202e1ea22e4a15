// A Deployment's status as kube's deployment controller writes it (sync.go calculateStatus, progress.go
// syncRolloutStatus), pure: the replica counts summed over its ReplicaSets, Available from maxUnavailable, and
// Progressing — NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated while pods move, NewReplicaSetAvailable
// when complete, ProgressDeadlineExceeded (False) when nothing moved for progressDeadlineSeconds, DeploymentPaused /
// DeploymentResumed (Unknown) around a pause. `kubectl rollout status` reads exactly these fields.
import { rfc3339 } from "@/lib/k8s/meta";
import type { Deployment, DeploymentCondition, ReplicaSetLike } from "./objects";
import { desiredReplicas, maxUnavailable, totalActualReplicas, totalAvailableReplicas, totalReadyReplicas, totalSpecReplicas } from "./deployment-rollout";

export type DeploymentStatus = NonNullable<Deployment["status"]>;

export const REASON_NEW_RS_CREATED = "NewReplicaSetCreated";
export const REASON_FOUND_NEW_RS = "FoundNewReplicaSet";
export const REASON_RS_UPDATED = "ReplicaSetUpdated";
export const REASON_NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
export const REASON_TIMED_OUT = "ProgressDeadlineExceeded";
export const REASON_PAUSED = "DeploymentPaused";
export const REASON_RESUMED = "DeploymentResumed";
export const REASON_RS_CREATE_ERROR = "ReplicaSetCreateError";

export function condition(type: string, status: DeploymentCondition["status"], reason: string, message: string, now: number): DeploymentCondition {
  const at = rfc3339(new Date(now));
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

export const getCondition = (s: DeploymentStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

/** Sets a condition unless one of that status and reason is there; keeps lastTransitionTime when the status stays. */
export function setCondition(s: DeploymentStatus, c: DeploymentCondition): void {
  const cur = getCondition(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(s: DeploymentStatus, type: string): void {
  s.conditions = (s.conditions ?? []).filter((c) => c.type !== type);
  if (s.conditions.length === 0) delete s.conditions;
}

export function calculateStatus(allRSs: ReadonlyArray<ReplicaSetLike | null>, newRS: ReplicaSetLike | null, d: Deployment, now: number): DeploymentStatus {
  const available = totalAvailableReplicas(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: totalActualReplicas(allRSs),
    updatedReplicas: totalActualReplicas([newRS]),
    readyReplicas: totalReadyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, totalSpecReplicas(allRSs) - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
  if (d.status?.conditions?.length) status.conditions = structuredClone(d.status.conditions);
  if (available >= desiredReplicas(d) - maxUnavailable(d))
    setCondition(status, condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now));
  else setCondition(status, condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now));
  return status;
}

const hasDeadline = (d: Deployment) => d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2147483647;

export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = desiredReplicas(d);
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

function progressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

function timedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasDeadline(d)) return false;
  const c = getCondition(s, "Progressing");
  if (!c) return false;
  if (c.reason === REASON_NEW_RS_AVAILABLE) return false;
  if (c.reason === REASON_TIMED_OUT) return true;
  const from = Date.parse(c.lastUpdateTime ?? "");
  return !Number.isNaN(from) && from + d.spec!.progressDeadlineSeconds! * 1000 < now;
}

/** The status after a rollout step (kube's syncRolloutStatus), and when to look again for the progress deadline. */
export function rolloutStatus(allRSs: ReadonlyArray<ReplicaSetLike | null>, newRS: ReplicaSetLike | null, d: Deployment, now: number): { status: DeploymentStatus; recheckAt: number | null } {
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasDeadline(d)) removeCondition(s, "Progressing");
  const current = getCondition(d.status, "Progressing");
  const complete = s.replicas === s.updatedReplicas && current?.reason === REASON_NEW_RS_AVAILABLE;
  if (hasDeadline(d) && !complete) {
    const name = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata.name)}` : `Deployment ${JSON.stringify(d.metadata.name)}`;
    if (deploymentComplete(d, s)) {
      setCondition(s, condition("Progressing", "True", REASON_NEW_RS_AVAILABLE, `${name} has successfully progressed.`, now));
    } else if (progressing(d, s)) {
      const c = condition("Progressing", "True", REASON_RS_UPDATED, `${name} is progressing.`, now);
      if (current) {
        if (current.status === "True") c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(s, "Progressing");
      }
      setCondition(s, c);
    } else if (timedOut(d, s, now)) {
      setCondition(s, condition("Progressing", "False", REASON_TIMED_OUT, `${name} has timed out progressing.`, now));
    }
  }
  const failure = [newRS, ...allRSs].flatMap((rs) => rs?.status?.conditions?.filter((c) => c.type === "ReplicaFailure") ?? [])[0];
  if (failure)
    setCondition(s, { type: "ReplicaFailure", status: failure.status as DeploymentCondition["status"], reason: failure.reason, message: failure.message, lastUpdateTime: failure.lastTransitionTime, lastTransitionTime: failure.lastTransitionTime });
  else if (getCondition(s, "ReplicaFailure")) removeCondition(s, "ReplicaFailure");

  // When nothing moves, look again when the deadline would pass (kube's requeueStuckDeployment).
  let recheckAt: number | null = null;
  const cond = getCondition(d.status, "Progressing");
  if (hasDeadline(d) && cond && !deploymentComplete(d, s) && cond.reason !== REASON_TIMED_OUT) {
    const from = Date.parse(cond.lastUpdateTime ?? "");
    if (!Number.isNaN(from)) recheckAt = from + d.spec!.progressDeadlineSeconds! * 1000 + 1000;
  }
  return { status: s, recheckAt };
}

/** DeploymentPaused / DeploymentResumed as the pause flag flips (not over a timed-out rollout); null when unchanged. */
export function pausedConditions(d: Deployment, now: number): DeploymentStatus | null {
  if (!hasDeadline(d)) return null;
  const cond = getCondition(d.status, "Progressing");
  if (cond?.reason === REASON_TIMED_OUT) return null;
  const pausedCond = cond?.reason === REASON_PAUSED;
  const s: DeploymentStatus = structuredClone(d.status ?? {});
  if (d.spec?.paused && !pausedCond) setCondition(s, condition("Progressing", "Unknown", REASON_PAUSED, "Deployment is paused", now));
  else if (!d.spec?.paused && pausedCond) setCondition(s, condition("Progressing", "Unknown", REASON_RESUMED, "Deployment is resumed", now));
  else return null;
  return s;
}
