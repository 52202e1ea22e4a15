// The arithmetic of a Deployment's rollout, pure (kube's deployment controller: rolling.go, sync.go, util): how far the
// new ReplicaSet may grow (maxSurge), how far old ones may shrink (maxUnavailable, counting only available pods), how a
// scaling event is spread over several ReplicaSets in proportion, and which old ReplicaSets the history limit removes.
// Each function answers the sizes to set; the controller writes them.
import type { Deployment, IntOrString, ReplicaSetLike } from "./objects";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

export interface Resize {
  rs: ReplicaSetLike;
  replicas: number;
}

export const specReplicas = (rs: ReplicaSetLike | null | undefined) => (rs ? (rs.spec?.replicas ?? 1) : 0);
export const desiredReplicas = (d: Deployment) => d.spec?.replicas ?? 1;
const sum = (rss: ReadonlyArray<ReplicaSetLike | null>, f: (rs: ReplicaSetLike) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
export const totalSpecReplicas = (rss: ReadonlyArray<ReplicaSetLike | null>) => sum(rss, specReplicas);
export const totalActualReplicas = (rss: ReadonlyArray<ReplicaSetLike | null>) => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const totalReadyReplicas = (rss: ReadonlyArray<ReplicaSetLike | null>) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const totalAvailableReplicas = (rss: ReadonlyArray<ReplicaSetLike | null>) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

const created = (rs: ReplicaSetLike) => Date.parse(rs.metadata.creationTimestamp ?? "") || 0;
/** Oldest first, then by name (kube's ReplicaSetsByCreationTimestamp). */
export const byCreation = (a: ReplicaSetLike, b: ReplicaSetLike) => created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);

export function revisionOf(rs: ReplicaSetLike | Deployment): number {
  const raw = rs.metadata.annotations?.[REVISION];
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isInteger(n) ? n : 0;
}

export const maxRevision = (rss: readonly ReplicaSetLike[]) => rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);

/** An int, or a percentage of `total` rounded up or down (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) {
    const n = Number(v);
    return Number.isInteger(n) ? n : 0;
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

const isRolling = (d: Deployment) => (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

/** maxSurge and maxUnavailable resolved against the desired replicas; both zero would deadlock, so unavailable is 1. */
export function resolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const desired = desiredReplicas(d);
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const surge = scaledValue(ru.maxSurge ?? "25%", desired, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? "25%", desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  return isRolling(d) ? resolveFenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deployment): number {
  const desired = desiredReplicas(d);
  if (!isRolling(d) || desired === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, desired);
}

/** How big the new ReplicaSet may be now: up to desired + maxSurge pods in all (Recreate: the desired count). */
export function newReplicaSetReplicas(d: Deployment, allRSs: ReadonlyArray<ReplicaSetLike | null>, newRS: ReplicaSetLike): number {
  const desired = desiredReplicas(d);
  if (!isRolling(d)) return desired;
  const maxTotal = desired + maxSurge(d);
  const current = totalSpecReplicas(allRSs);
  if (current >= maxTotal) return specReplicas(newRS);
  return specReplicas(newRS) + Math.min(maxTotal - current, desired - specReplicas(newRS));
}

/** The new ReplicaSet's size this step (kube's reconcileNewReplicaSet), or null when it stays. */
export function reconcileNewReplicaSet(d: Deployment, allRSs: ReadonlyArray<ReplicaSetLike | null>, newRS: ReplicaSetLike): number | null {
  const desired = desiredReplicas(d);
  const now = specReplicas(newRS);
  if (now === desired) return null;
  if (now > desired) return desired;
  const next = newReplicaSetReplicas(d, allRSs, newRS);
  return next === now ? null : next;
}

/**
 * How old ReplicaSets shrink this step (kube's reconcileOldReplicaSets): never below desired − maxUnavailable available
 * pods, counting the new ReplicaSet's unavailable pods against the budget; unhealthy old pods go first (they are not
 * available anyway), then the oldest ReplicaSets shrink.
 */
export function reconcileOldReplicaSets(d: Deployment, allRSs: ReadonlyArray<ReplicaSetLike | null>, oldRSs: readonly ReplicaSetLike[], newRS: ReplicaSetLike | null): Resize[] {
  const size = new Map<ReplicaSetLike, number>(oldRSs.map((rs) => [rs, specReplicas(rs)]));
  const oldPods = [...size.values()].reduce((a, b) => a + b, 0);
  if (oldPods === 0) return [];
  const allPods = totalSpecReplicas(allRSs);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS?.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const sorted = [...oldRSs].sort(byCreation);
  // Unhealthy replicas first: they are not available, so removing them costs no availability.
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const replicas = size.get(rs)!;
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const down = Math.min(maxScaledDown - cleaned, replicas - available);
    size.set(rs, replicas - down);
    cleaned += down;
  }
  // Then as many as availability allows, oldest first.
  const availablePods = totalAvailableReplicas([...oldRSs, newRS]);
  if (availablePods > minAvailable) {
    const budget = availablePods - minAvailable;
    let scaled = 0;
    for (const rs of sorted) {
      if (scaled >= budget) break;
      const replicas = size.get(rs)!;
      if (replicas === 0) continue;
      const down = Math.min(replicas, budget - scaled);
      size.set(rs, replicas - down);
      scaled += down;
    }
  }
  return sorted.filter((rs) => size.get(rs) !== specReplicas(rs)).map((rs) => ({ rs, replicas: size.get(rs)! }));
}

/** A scaling event: an active ReplicaSet was sized for another replica count than the Deployment's now. */
export function isScalingEvent(d: Deployment, allRSs: ReadonlyArray<ReplicaSetLike | null>): boolean {
  const desired = desiredReplicas(d);
  return allRSs.some((rs) => {
    if (!rs || specReplicas(rs) === 0) return false;
    const raw = rs.metadata.annotations?.[DESIRED_REPLICAS];
    if (raw === undefined || !/^-?\d+$/.test(raw)) return false;
    return Number(raw) !== desired;
  });
}

/** The new ReplicaSet owns every desired replica and they are all available. */
export function isSaturated(d: Deployment, rs: ReplicaSetLike | null): boolean {
  if (!rs) return false;
  const desired = desiredReplicas(d);
  const annotated = rs.metadata.annotations?.[DESIRED_REPLICAS];
  return specReplicas(rs) === desired && annotated !== undefined && Number(annotated) === desired && (rs.status?.availableReplicas ?? 0) === desired;
}

/**
 * A scaling event (or a paused Deployment scaled) without a rollout (kube's scale()): one active ReplicaSet takes the
 * new count; with several, the change is spread in proportion to their sizes (max-replicas annotations), leftovers to
 * the largest.
 */
export function proportionalScale(d: Deployment, newRS: ReplicaSetLike | null, oldRSs: readonly ReplicaSetLike[], deploymentStatusReplicas: number): Resize[] {
  const desired = desiredReplicas(d);
  const active = [...oldRSs, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
  if (active.length <= 1) {
    const target = active[0] ?? newRS ?? [...oldRSs].sort(byCreation).at(-1);
    if (!target || specReplicas(target) === desired) return [];
    return [{ rs: target, replicas: desired }];
  }
  if (isSaturated(d, newRS)) return active.filter((rs) => rs !== newRS).map((rs) => ({ rs, replicas: 0 }));
  if (!isRolling(d)) return [];

  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - totalSpecReplicas(active);
  if (toAdd === 0) return [];
  // Up: largest and newest first; down: largest and oldest first.
  const ordered = [...active].sort((a, b) => {
    const bySize = specReplicas(b) - specReplicas(a);
    if (bySize) return bySize;
    return toAdd > 0 ? -byCreation(a, b) : byCreation(a, b);
  });
  const sizes = new Map<ReplicaSetLike, number>();
  let added = 0;
  for (const rs of ordered) {
    const p = proportion(rs, d, toAdd, added, deploymentStatusReplicas);
    sizes.set(rs, specReplicas(rs) + p);
    added += p;
  }
  const first = ordered[0]!;
  sizes.set(first, Math.max(0, sizes.get(first)! + (toAdd - added)));
  return ordered.filter((rs) => sizes.get(rs) !== specReplicas(rs)).map((rs) => ({ rs, replicas: sizes.get(rs)! }));
}

function proportion(rs: ReplicaSetLike, d: Deployment, toAdd: number, added: number, statusReplicas: number): number {
  const replicas = specReplicas(rs);
  if (replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (desiredReplicas(d) === 0) fraction = -replicas;
  else {
    const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
    const raw = rs.metadata.annotations?.[MAX_REPLICAS];
    const annotated = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : statusReplicas;
    fraction = Math.round((replicas * deploymentReplicas) / (annotated || 1)) - replicas;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** Old ReplicaSets beyond revisionHistoryLimit that may go: lowest revision first, only empty and settled ones. */
export function replicaSetsToClean(d: Deployment, oldRSs: readonly ReplicaSetLike[]): ReplicaSetLike[] {
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  const byRevision = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  return byRevision
    .slice(0, diff)
    .filter((rs) => (rs.status?.replicas ?? 0) === 0 && specReplicas(rs) === 0 && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}
