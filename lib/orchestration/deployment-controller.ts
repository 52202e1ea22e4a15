// The Deployment controller (kube's pkg/controller/deployment): a Deployment owns ReplicaSets named
// `<deployment>-<pod-template-hash>`, one per pod template it has had; the one whose template equals the Deployment's
// is the new ReplicaSet, the others old. Each look at a Deployment:
//   - claims its ReplicaSets (adopts matching orphans, releases ones that stopped matching);
//   - paused, or scaled (an active ReplicaSet sized for another count): scales the ReplicaSets in proportion, nothing
//     else — no new ReplicaSet, no rollout;
//   - RollingUpdate: grows the new ReplicaSet up to replicas + maxSurge pods in all, shrinks old ones while at least
//     replicas − maxUnavailable pods stay available (deployment-rollout.ts);
//   - Recreate: scales old ReplicaSets to 0, waits until their pods are gone, then creates/scales the new one;
//   - gives the new ReplicaSet the next revision (deployment.kubernetes.io/revision; a template rolled back to keeps its
//     earlier numbers in deployment.kubernetes.io/revision-history) and the Deployment's annotations, as `kubectl
//     rollout history/undo` read them; removes old empty ReplicaSets beyond revisionHistoryLimit once complete;
//   - writes status and the Available/Progressing conditions (deployment-status.ts), looking again when the progress
//     deadline would pass.
import type { SystemClient } from "@/lib/k8s/system-client";
import { recordEvent } from "@/lib/k8s/events";
import { canonicalJson } from "@/lib/k8s/canonical";
import { isAlreadyExists, isConflict, isNotFound, message } from "./errors";
import type { Informer } from "./informer";
import { isEmptySelector, selectorMatcher } from "./label-selector";
import type { Deployment, OwnerReference, Pod, ReplicaSetLike } from "./objects";
import { controllerOf, keyOf, splitKey } from "./objects";
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH } from "./pod-template-hash";
import {
  byCreation, desiredReplicas, DESIRED_REPLICAS, isScalingEvent, MAX_REPLICAS, maxRevision, maxSurge, newReplicaSetReplicas, proportionalScale,
  reconcileNewReplicaSet, reconcileOldReplicaSets, replicaSetsToClean, REVISION, REVISION_HISTORY, specReplicas, totalActualReplicas,
  type Resize,
} from "./deployment-rollout";
import {
  calculateStatus, condition, deploymentComplete, getCondition, pausedConditions, REASON_FOUND_NEW_RS, REASON_NEW_RS_CREATED, REASON_RS_CREATE_ERROR,
  rolloutStatus, setCondition, type DeploymentStatus,
} from "./deployment-status";
import { isTerminal } from "./pod-state";
import { WorkQueue } from "./work-queue";

export const COMPONENT = "deployment-controller";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const SKIPPED_ANNOTATIONS = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"]);
/** kube's --deployment-controller revision-history annotation limit, in characters. */
const MAX_REVISION_HISTORY_CHARS = 2000;

export class DeploymentController {
  readonly queue: WorkQueue;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly client: SystemClient,
    private readonly deployments: Informer<Deployment>,
    private readonly sets: Informer<ReplicaSetLike>,
    private readonly pods: Informer<Pod>,
    opts: { log?(msg: string): void } = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.queue = new WorkQueue(COMPONENT, this.log);
    deployments.on({
      add: (d) => this.queue.add(keyOf(d)),
      update: (_, d) => this.queue.add(keyOf(d)),
      delete: (d) => this.queue.add(keyOf(d)),
    });
    sets.on({
      add: (rs) => this.rsChanged(rs),
      update: (old, rs) => {
        this.rsChanged(rs);
        const before = controllerOf(old);
        if (before && before.uid !== controllerOf(rs)?.uid) this.enqueueOwner(old.metadata.namespace!, before);
      },
      delete: (rs) => this.rsChanged(rs),
    });
    // Recreate waits for the old pods to be gone: their deletion is news.
    pods.on({
      delete: (p) => {
        const ref = controllerOf(p);
        if (ref?.kind !== "ReplicaSet") return;
        const rs = this.sets.get(`${p.metadata.namespace}/${ref.name}`);
        const owner = rs && controllerOf(rs);
        if (owner) this.enqueueOwner(p.metadata.namespace!, owner);
      },
    });
  }

  private rsChanged(rs: ReplicaSetLike): void {
    const ref = controllerOf(rs);
    if (ref) return this.enqueueOwner(rs.metadata.namespace!, ref);
    for (const d of this.deployments.byIndex("namespace", rs.metadata.namespace!)) if (selectorMatcher(d.spec?.selector)(rs.metadata.labels)) this.queue.add(keyOf(d));
  }

  private enqueueOwner(namespace: string, ref: OwnerReference): void {
    if (ref.kind !== "Deployment") return;
    const d = this.deployments.get(`${namespace}/${ref.name}`);
    if (d && d.metadata.uid === ref.uid) this.queue.add(keyOf(d));
  }

  start(workers = 2): void {
    this.queue.run((key) => this.sync(key), workers);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  // ---- one look at a Deployment ----

  async sync(key: string, now = Date.now()): Promise<void> {
    let d = this.deployments.get(key);
    if (!d) return;
    const { namespace } = splitKey(key);
    if (isEmptySelector(d.spec?.selector)) {
      void recordEvent(COMPONENT, d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) await this.writeStatus(d, { ...d.status, observedGeneration: d.metadata.generation });
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) return void (await this.syncStatusOnly(d, rsList, now));

    const paused = pausedConditions(d, now);
    if (paused) d = await this.writeStatus(d, paused);
    if (d.spec?.paused) return this.syncScale(d, rsList, now);
    const { newRS, oldRSs } = this.split(d, rsList);
    if (isScalingEvent(d, [...oldRSs, newRS])) return this.syncScale(d, rsList, now);
    if (d.spec?.strategy?.type === "Recreate") return this.rolloutRecreate(d, rsList, namespace, now);
    return this.rolloutRolling(d, rsList, now);
  }

  /** The ReplicaSets it controls: owned ones that still match, plus matching orphans adopted now. */
  private async claimReplicaSets(d: Deployment): Promise<ReplicaSetLike[]> {
    const matches = selectorMatcher(d.spec?.selector);
    const out: ReplicaSetLike[] = [];
    let fresh: Deployment | null | undefined;
    const canAdopt = async () => {
      if (fresh === undefined) fresh = (await this.client.get("apps/deployments", d.metadata.namespace!, d.metadata.name!)) as Deployment | null;
      return !!fresh && fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp;
    };
    for (const rs of this.sets.byIndex("namespace", d.metadata.namespace!)) {
      const ref = controllerOf(rs);
      const match = matches(rs.metadata.labels);
      if (ref) {
        if (ref.uid !== d.metadata.uid) continue;
        if (match) out.push(rs);
        else if (!d.metadata.deletionTimestamp) await this.setOwner(rs, null, d.metadata.uid);
        continue;
      }
      if (!match || d.metadata.deletionTimestamp || rs.metadata.deletionTimestamp || !(await canAdopt())) continue;
      const adopted = await this.setOwner(rs, { apiVersion: "apps/v1", kind: "Deployment", name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true });
      if (adopted) out.push(adopted);
    }
    return out;
  }

  private async setOwner(rs: ReplicaSetLike, owner: OwnerReference | null, releaseUid?: string): Promise<ReplicaSetLike | null> {
    const refs = (rs.metadata.ownerReferences ?? []) as unknown as OwnerReference[];
    const next = owner ? [...refs.filter((r) => r.uid !== owner.uid), owner] : refs.filter((r) => r.uid !== releaseUid);
    const meta = { ...rs.metadata, ownerReferences: next as unknown as Array<Record<string, unknown>> };
    if (next.length === 0) delete (meta as { ownerReferences?: unknown }).ownerReferences;
    try {
      const written = (await this.client.update("apps/replicasets", rs.metadata.namespace!, { ...rs, metadata: meta })) as ReplicaSetLike;
      this.sets.observe(written);
      return written;
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return null;
      throw e;
    }
  }

  private split(d: Deployment, rsList: readonly ReplicaSetLike[]): { newRS: ReplicaSetLike | null; oldRSs: ReplicaSetLike[] } {
    const sorted = [...rsList].sort(byCreation);
    const newRS = sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template)) ?? null;
    return { newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
  }

  /**
   * The new ReplicaSet with its revision brought up to date (and the Deployment's revision annotation), created when
   * `create` and there is none.
   */
  private async newReplicaSet(d: Deployment, rsList: readonly ReplicaSetLike[], create: boolean, now: number): Promise<{ d: Deployment; newRS: ReplicaSetLike | null; oldRSs: ReplicaSetLike[] }> {
    let { newRS, oldRSs } = this.split(d, rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    if (newRS) {
      const annotations = replicaSetAnnotations(d, newRS, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotations || (newRS.spec?.minReadySeconds ?? 0) !== minReady) {
        const spec: NonNullable<ReplicaSetLike["spec"]> = { ...newRS.spec, minReadySeconds: minReady };
        if (!minReady) delete spec.minReadySeconds;
        newRS = (await this.client.update("apps/replicasets", newRS.metadata.namespace!, {
          ...newRS,
          metadata: { ...newRS.metadata, annotations: annotations ?? newRS.metadata.annotations },
          spec,
        })) as ReplicaSetLike;
        this.sets.observe(newRS);
      }
      d = await this.setRevision(d, newRS.metadata.annotations?.[REVISION] ?? newRevision);
      if (d.spec?.progressDeadlineSeconds !== undefined && !getCondition(d.status, "Progressing")) {
        const s: DeploymentStatus = structuredClone(d.status ?? {});
        setCondition(s, condition("Progressing", "True", REASON_FOUND_NEW_RS, `Found new replica set ${JSON.stringify(newRS.metadata.name)}`, now));
        d = await this.writeStatus(d, s);
      }
      return { d, newRS, oldRSs };
    }
    if (!create) return { d, newRS: null, oldRSs };

    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const candidate: ReplicaSetLike = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: 0, ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}), selector, template },
    };
    candidate.spec!.replicas = newReplicaSetReplicas(d, [...oldRSs, candidate], candidate);
    candidate.metadata.annotations = replicaSetAnnotations(d, candidate, newRevision, false) ?? {};
    let created: ReplicaSetLike;
    let existed = false;
    try {
      created = (await this.client.create("apps/replicasets", d.metadata.namespace!, candidate)) as ReplicaSetLike;
    } catch (e) {
      if (isAlreadyExists(e)) {
        const there = (await this.client.get("apps/replicasets", d.metadata.namespace!, candidate.metadata.name!)) as ReplicaSetLike | null;
        if (there && controllerOf(there)?.uid === d.metadata.uid && equalIgnoreHash(there.spec?.template, d.spec?.template)) {
          created = there;
          existed = true;
        } else {
          // A ReplicaSet of that name with another template: a hash collision. Count it; the next look hashes anew.
          await this.writeStatus(d, { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 });
          throw new Error(`replica set ${candidate.metadata.name} already exists with another template (hash collision; retrying with a new hash)`);
        }
      } else {
        const msg = `Failed to create new replica set ${JSON.stringify(candidate.metadata.name)}: ${message(e)}`;
        if (d.spec?.progressDeadlineSeconds !== undefined) {
          const s: DeploymentStatus = structuredClone(d.status ?? {});
          setCondition(s, condition("Progressing", "False", REASON_RS_CREATE_ERROR, msg, now));
          await this.writeStatus(d, s).catch(() => {});
        }
        void recordEvent(COMPONENT, d, "Warning", REASON_RS_CREATE_ERROR, msg);
        throw e;
      }
    }
    this.sets.observe(created);
    const replicas = specReplicas(created);
    if (!existed && replicas > 0) void recordEvent(COMPONENT, d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    d = await this.setRevision(d, newRevision);
    if (!existed && d.spec?.progressDeadlineSeconds !== undefined) {
      const s: DeploymentStatus = structuredClone(d.status ?? {});
      setCondition(s, condition("Progressing", "True", REASON_NEW_RS_CREATED, `Created new replica set ${JSON.stringify(created.metadata.name)}`, now));
      d = await this.writeStatus(d, s);
    }
    return { d, newRS: created, oldRSs };
  }

  /** The Deployment's own deployment.kubernetes.io/revision annotation (an update of its metadata). */
  private async setRevision(d: Deployment, revision: string): Promise<Deployment> {
    if (d.metadata.annotations?.[REVISION] === revision) return d;
    const written = (await this.client.update("apps/deployments", d.metadata.namespace!, {
      ...d,
      metadata: { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [REVISION]: revision } },
    })) as Deployment;
    this.deployments.observe(written);
    return written;
  }

  private async scale(d: Deployment, rs: ReplicaSetLike, replicas: number): Promise<ReplicaSetLike> {
    const desired = String(desiredReplicas(d));
    const max = String(desiredReplicas(d) + maxSurge(d));
    const from = specReplicas(rs);
    const annotations = rs.metadata.annotations ?? {};
    if (from === replicas && annotations[DESIRED_REPLICAS] === desired && annotations[MAX_REPLICAS] === max) return rs;
    const written = (await this.client.update("apps/replicasets", rs.metadata.namespace!, {
      ...rs,
      metadata: { ...rs.metadata, annotations: { ...annotations, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max } },
      spec: { ...rs.spec, replicas },
    })) as ReplicaSetLike;
    this.sets.observe(written);
    if (from !== replicas)
      void recordEvent(COMPONENT, d, "Normal", "ScalingReplicaSet", `Scaled ${replicas > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
    return written;
  }

  private async applyResizes(d: Deployment, resizes: readonly Resize[], all: ReplicaSetLike[]): Promise<ReplicaSetLike[]> {
    const out = [...all];
    for (const { rs, replicas } of resizes) {
      const written = await this.scale(d, rs, replicas);
      const i = out.indexOf(rs);
      if (i >= 0) out[i] = written;
    }
    return out;
  }

  // ---- strategies ----

  private async rolloutRolling(d0: Deployment, rsList: readonly ReplicaSetLike[], now: number): Promise<void> {
    const { d, newRS, oldRSs } = await this.newReplicaSet(d0, rsList, true, now);
    if (!newRS) return;
    let all: ReplicaSetLike[] = [...oldRSs, newRS];
    const grow = reconcileNewReplicaSet(d, all, newRS);
    if (grow !== null) {
      const written = await this.scale(d, newRS, grow);
      all = [...oldRSs, written];
      return this.syncRolloutStatus(d, all, written, now);
    }
    const shrink = reconcileOldReplicaSets(d, all, oldRSs.filter((rs) => specReplicas(rs) > 0), newRS);
    if (shrink.length) {
      all = await this.applyResizes(d, shrink, all);
      return this.syncRolloutStatus(d, all, newRS, now);
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, all, newRS, now);
  }

  private async rolloutRecreate(d0: Deployment, rsList: readonly ReplicaSetLike[], namespace: string, now: number): Promise<void> {
    let { d, newRS, oldRSs } = await this.newReplicaSet(d0, rsList, false, now);
    let all: Array<ReplicaSetLike | null> = [...oldRSs, newRS];
    const activeOld = oldRSs.filter((rs) => specReplicas(rs) > 0);
    if (activeOld.length) {
      const written = await this.applyResizes(d, activeOld.map((rs) => ({ rs, replicas: 0 })), oldRSs);
      return this.syncRolloutStatus(d, [...written, newRS], newRS, now);
    }
    // Not before every old pod is gone (terminating ones included).
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const oldPodsRunning =
      totalActualReplicas(oldRSs) > 0 ||
      this.pods.byIndex("namespace", namespace).some((p) => {
        const ref = controllerOf(p);
        return !!ref && oldUids.has(ref.uid) && !isTerminal(p);
      });
    if (oldPodsRunning) return this.syncRolloutStatus(d, all, newRS, now);
    if (!newRS) {
      ({ d, newRS, oldRSs } = await this.newReplicaSet(d, rsList, true, now));
      all = [...oldRSs, newRS];
    }
    if (newRS && specReplicas(newRS) !== desiredReplicas(d)) {
      newRS = await this.scale(d, newRS, desiredReplicas(d));
      all = [...oldRSs, newRS];
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, all, newRS, now);
  }

  /** A scaling event or a paused Deployment: sizes only (kube's sync). */
  private async syncScale(d0: Deployment, rsList: readonly ReplicaSetLike[], now: number): Promise<void> {
    const { d, newRS, oldRSs } = await this.newReplicaSet(d0, rsList, false, now);
    const resizes = proportionalScale(d, newRS, oldRSs, d.status?.replicas ?? 0);
    let all: Array<ReplicaSetLike | null> = [...oldRSs, newRS];
    let current = newRS;
    if (resizes.length) {
      const written = await this.applyResizes(d, resizes, [...oldRSs, ...(newRS ? [newRS] : [])]);
      current = newRS ? written[written.length - 1]! : null;
      all = newRS ? written : [...written, null];
    }
    if (d.spec?.paused) await this.cleanup(d, oldRSs);
    await this.writeStatusIfChanged(d, calculateStatus(all, current, d, now));
  }

  private async syncStatusOnly(d0: Deployment, rsList: readonly ReplicaSetLike[], now: number): Promise<void> {
    const { d, newRS, oldRSs } = await this.newReplicaSet(d0, rsList, false, now);
    await this.writeStatusIfChanged(d, calculateStatus([...oldRSs, newRS], newRS, d, now));
  }

  private async syncRolloutStatus(d: Deployment, all: Array<ReplicaSetLike | null>, newRS: ReplicaSetLike | null, now: number): Promise<void> {
    const { status, recheckAt } = rolloutStatus(all, newRS, d, now);
    await this.writeStatusIfChanged(d, status);
    if (recheckAt !== null) this.queue.addAfter(keyOf(d), Math.max(0, recheckAt - now));
  }

  private async cleanup(d: Deployment, oldRSs: readonly ReplicaSetLike[]): Promise<void> {
    for (const rs of replicaSetsToClean(d, oldRSs)) {
      try {
        const gone = await this.client.delete("apps/replicasets", rs.metadata.namespace!, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
        if (gone && !gone.metadata.deletionTimestamp) this.sets.observeDeleted(gone);
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) this.log(`${COMPONENT}: removing old replica set ${rs.metadata.name} failed: ${message(e)}`);
      }
    }
  }

  private async writeStatusIfChanged(d: Deployment, status: DeploymentStatus): Promise<void> {
    if (canonicalJson(status) === canonicalJson(d.status ?? {})) return;
    await this.writeStatus(d, status);
  }

  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<Deployment> {
    try {
      const written = (await this.client.updateStatus("apps/deployments", d.metadata.namespace!, { ...d, status })) as Deployment;
      this.deployments.observe(written);
      return written;
    } catch (e) {
      // Changed meanwhile: its update event brings it back to the queue with the fresh version.
      if (isConflict(e) || isNotFound(e)) throw new Error(`deployment ${d.metadata.name} changed while being synced; looking again`);
      throw e;
    }
  }
}

/**
 * The new ReplicaSet's annotations (kube's SetNewReplicaSetAnnotations): the Deployment's own (but kubectl's
 * last-applied and the controller's), the revision raised to `revision` when lower — keeping the numbers it had in
 * revision-history when it is a rolled-back-to template — and, for one being created, desired/max replicas. Null when
 * nothing changes.
 */
export function replicaSetAnnotations(d: Deployment, rs: ReplicaSetLike, revision: string, exists: boolean): Record<string, string> | null {
  const out = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || out[k] === v) continue;
    out[k] = v;
    changed = true;
  }
  const had = out[REVISION];
  const old = had === undefined ? 0 : Number(had);
  const next = Number(revision);
  if (had !== undefined && !Number.isInteger(old)) return changed ? out : null;
  if (old < next) {
    out[REVISION] = revision;
    changed = true;
    if (had !== undefined) {
      const history = out[REVISION_HISTORY] ? out[REVISION_HISTORY]!.split(",") : [];
      history.push(had);
      while (history.join(",").length > MAX_REVISION_HISTORY_CHARS && history.length > 1) history.shift();
      out[REVISION_HISTORY] = history.join(",");
    }
  }
  if (!exists) {
    const desired = String(desiredReplicas(d));
    const max = String(desiredReplicas(d) + maxSurge(d));
    if (out[DESIRED_REPLICAS] !== desired || out[MAX_REPLICAS] !== max) {
      out[DESIRED_REPLICAS] = desired;
      out[MAX_REPLICAS] = max;
      changed = true;
    }
  }
  return changed ? out : null;
}

