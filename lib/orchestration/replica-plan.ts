// What a ReplicaSet or ReplicationController must do now, pure (kube's ReplicaSetController.syncReplicaSet):
//   claim   — among the namespace's active pods, adopt orphans its selector matches and release the ones it owns that
//             no longer match (not while it is being deleted);
//   scale   — create the missing pods from its template, or delete the extras, least valuable first (unscheduled, then
//             pending, not ready, piled on one node, ready for less time, restarted more, newest);
//   status  — replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration.
import { selectorMatcher, isEmptySelector, type AnySelector } from "./label-selector";
import type { OwnerReference, Pod, ReplicaSetLike } from "./objects";
import { controllerOf } from "./objects";
import { isActive, isAvailable, isReady, podCondition } from "./pod-state";

/** kube's burstReplicas: at most this many pods are created or deleted in one sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaPlan {
  adopt: Pod[];
  release: Pod[];
  /** How many pods to create from the template. */
  create: number;
  /** Pods to delete, in order. */
  remove: Pod[];
  /** The pods it owns after the claim (active only). */
  owned: Pod[];
  status: { replicas: number; fullyLabeledReplicas: number; readyReplicas: number; availableReplicas: number; observedGeneration?: number };
  /** When a ready pod becomes available (minReadySeconds): sync again then. */
  recheckAt: number | null;
}

/** The selector of a ReplicaSet, or of a ReplicationController (a map, defaulting to its template's labels). */
export function selectorOf(rs: ReplicaSetLike): AnySelector {
  const s = rs.spec?.selector;
  if (rs.kind === "ReplicationController" && (!s || Object.keys(s).length === 0)) return rs.spec?.template?.metadata?.labels;
  return s;
}

export function controllerRefFor(rs: ReplicaSetLike): OwnerReference {
  return { apiVersion: rs.apiVersion, kind: rs.kind, name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function planReplicas(rs: ReplicaSetLike, podsInNamespace: readonly Pod[], now: number): ReplicaPlan {
  const uid = rs.metadata.uid!;
  const deleting = !!rs.metadata.deletionTimestamp;
  const selector = selectorOf(rs);
  // An empty selector would claim every pod in the namespace: the API refuses it; never act on one that slipped by.
  const matches = isEmptySelector(selector) ? () => false : selectorMatcher(selector);
  const adopt: Pod[] = [];
  const release: Pod[] = [];
  const owned: Pod[] = [];
  for (const pod of podsInNamespace) {
    if (!isActive(pod)) continue;
    const ref = controllerOf(pod);
    const match = matches(pod.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (match) owned.push(pod);
      else if (!deleting) release.push(pod);
      continue;
    }
    if (match && !deleting) {
      adopt.push(pod);
      owned.push(pod);
    }
  }

  const want = rs.spec?.replicas ?? 1;
  const diff = owned.length - want;
  let create = 0;
  let remove: Pod[] = [];
  if (!deleting) {
    if (diff < 0) create = Math.min(-diff, BURST_REPLICAS);
    else if (diff > 0) remove = podsToDelete(owned, Math.min(diff, BURST_REPLICAS), podsInNamespace.filter((p) => controllerOf(p)?.uid === uid));
  }

  const minReady = rs.spec?.minReadySeconds ?? 0;
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  let recheckAt: number | null = null;
  const status = { replicas: owned.length, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: rs.metadata.generation };
  for (const p of owned) {
    if (templateLabels.every(([k, v]) => p.metadata.labels?.[k] === v)) status.fullyLabeledReplicas++;
    if (isReady(p)) {
      status.readyReplicas++;
      if (isAvailable(p, minReady, now)) status.availableReplicas++;
      else {
        const since = Date.parse(podCondition(p, "Ready")?.lastTransitionTime ?? "");
        const at = (Number.isNaN(since) ? now : since) + minReady * 1000;
        recheckAt = recheckAt === null ? at : Math.min(recheckAt, at);
      }
    }
  }
  return { adopt, release, create, remove, owned, status, recheckAt };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * The `count` pods to delete first (kube's ActivePodsWithRanks): unscheduled before scheduled; Pending before Unknown
 * before Running; not ready before ready; lower controller.kubernetes.io/pod-deletion-cost first; more pods of the
 * same owner on its node first; ready for less time first; more restarts first; newer first.
 */
export function podsToDelete(pods: readonly Pod[], count: number, related: readonly Pod[] = pods): Pod[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n && isActive(p)) onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Pod) => (p.spec?.nodeName ? (onNode.get(p.spec.nodeName) ?? 0) : 0);
  const cost = (p: Pod) => {
    const raw = p.metadata.annotations?.["controller.kubernetes.io/pod-deletion-cost"];
    const n = raw === undefined ? 0 : Number(raw);
    return Number.isFinite(n) ? n : 0;
  };
  const readySince = (p: Pod) => {
    const c = podCondition(p, "Ready");
    return c?.status === "True" && c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : null;
  };
  const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
  const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? "") || 0;
  const sorted = [...pods].sort((a, b) => {
    const assigned = Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName);
    if (assigned) return assigned;
    const phase = (PHASE_RANK[a.status?.phase ?? "Pending"] ?? 0) - (PHASE_RANK[b.status?.phase ?? "Pending"] ?? 0);
    if (phase) return phase;
    const ready = Number(isReady(a)) - Number(isReady(b));
    if (ready) return ready;
    const c = cost(a) - cost(b);
    if (c) return c;
    const r = rank(b) - rank(a);
    if (r) return r;
    const [ra, rb] = [readySince(a), readySince(b)];
    if (ra !== rb) {
      if (ra === null) return -1;
      if (rb === null) return 1;
      if (ra !== rb) return rb - ra; // became ready later = ready for less time
    }
    const restart = restarts(b) - restarts(a);
    if (restart) return restart;
    return created(b) - created(a);
  });
  return sorted.slice(0, count);
}

/** A new pod from the controller's template (kube's GetPodFromTemplate): generateName `<name>-`, owned by it. */
export function podFromTemplate(rs: ReplicaSetLike): Pod {
  const template = structuredClone(rs.spec?.template ?? {});
  const meta = template.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(Array.isArray(meta.finalizers) ? { finalizers: meta.finalizers as string[] } : {}),
      ownerReferences: [controllerRefFor(rs) as unknown as Record<string, unknown>],
    },
    spec: template.spec ?? {},
  };
}
