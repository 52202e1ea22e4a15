// The ReplicaSet controller, and the ReplicationController one (the same logic over the older kind): for every
// ReplicaSet it computes the plan (replica-plan.ts) from the informers' view and carries it out — adopts matching
// orphans and releases pods that stopped matching (a patch of their ownerReferences, resourceVersion-checked), creates
// the missing pods from the template (owned by it, controller=true) in batches that double (1, 2, 4…) and stop at the
// first failure, deletes the extras, and writes status (replicas, fullyLabeledReplicas, readyReplicas,
// availableReplicas, observedGeneration; a ReplicaFailure condition while creating fails). Events as kube's:
// SuccessfulCreate, FailedCreate, SuccessfulDelete.
//
// Its own writes go into the informers at once, so the next look at the ReplicaSet counts the pods it just made or
// deleted (kube uses "expectations" for the same purpose). A pod is healthy if left alone: nothing here touches pods
// a ReplicaSet already counts, which is why a control-plane restart disturbs no running pod.
import type { SystemClient } from "@/lib/k8s/system-client";
import { recordEvent } from "@/lib/k8s/events";
import { rfc3339 } from "@/lib/k8s/meta";
import { canonicalJson } from "@/lib/k8s/canonical";
import { isConflict, isNotFound, message } from "./errors";
import type { Informer } from "./informer";
import { selectorMatcher } from "./label-selector";
import type { OwnerReference, Pod, ReplicaSetLike } from "./objects";
import { controllerOf, keyOf, splitKey } from "./objects";
import { controllerRefFor, planReplicas, podFromTemplate, selectorOf } from "./replica-plan";
import { WorkQueue } from "./work-queue";

export interface ReplicaControllerKind {
  /** The system client's resource: "apps/replicasets" or "replicationcontrollers". */
  resource: string;
  kind: "ReplicaSet" | "ReplicationController";
  component: string;
}

export const REPLICA_SET: ReplicaControllerKind = { resource: "apps/replicasets", kind: "ReplicaSet", component: "replicaset-controller" };
export const REPLICATION_CONTROLLER: ReplicaControllerKind = { resource: "replicationcontrollers", kind: "ReplicationController", component: "replication-controller" };

export class ReplicaSetController {
  readonly queue: WorkQueue;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly client: SystemClient,
    private readonly kind: ReplicaControllerKind,
    private readonly sets: Informer<ReplicaSetLike>,
    private readonly pods: Informer<Pod>,
    opts: { log?(msg: string): void } = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.queue = new WorkQueue(kind.component, this.log);
    sets.on({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (_, rs) => this.queue.add(keyOf(rs)),
      delete: (rs) => this.queue.add(keyOf(rs)),
    });
    pods.on({
      add: (p) => this.podChanged(p),
      update: (old, p) => {
        this.podChanged(p);
        const before = controllerOf(old);
        const after = controllerOf(p);
        if (before && before.uid !== after?.uid) this.enqueueOwner(old, before);
        if (canonicalJson(old.metadata.labels ?? {}) !== canonicalJson(p.metadata.labels ?? {}) && !after) this.enqueueMatching(old);
      },
      delete: (p) => this.podChanged(p),
    });
  }

  private podChanged(p: Pod): void {
    const ref = controllerOf(p);
    if (ref) this.enqueueOwner(p, ref);
    else this.enqueueMatching(p);
  }

  private enqueueOwner(p: Pod, ref: OwnerReference): void {
    if (ref.kind !== this.kind.kind) return;
    const rs = this.sets.get(`${p.metadata.namespace}/${ref.name}`);
    if (rs && rs.metadata.uid === ref.uid) this.queue.add(keyOf(rs));
  }

  /** An orphan: every ReplicaSet of its namespace that selects it may adopt it. */
  private enqueueMatching(p: Pod): void {
    for (const rs of this.sets.byIndex("namespace", p.metadata.namespace ?? "")) if (selectorMatcher(selectorOf(rs))(p.metadata.labels)) this.queue.add(keyOf(rs));
  }

  start(workers = 2): void {
    this.queue.run((key) => this.sync(key), workers);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  async sync(key: string, now = Date.now()): Promise<void> {
    const rs = this.sets.get(key);
    if (!rs) return;
    const { namespace } = splitKey(key);
    const plan = planReplicas(rs, this.pods.byIndex("namespace", namespace), now);
    const component = this.kind.component;

    if (plan.adopt.length || plan.release.length) {
      // Adopt only for the ReplicaSet as it is now (not one deleted and made again under the same name).
      const fresh = (await this.client.get(this.kind.resource, namespace, rs.metadata.name!)) as ReplicaSetLike | null;
      if (!fresh || fresh.metadata.uid !== rs.metadata.uid) return;
      if (!fresh.metadata.deletionTimestamp) for (const pod of plan.adopt) await this.setOwner(pod, controllerRefFor(rs));
      for (const pod of plan.release) await this.setOwner(pod, null, rs.metadata.uid);
    }

    let createError: string | null = null;
    if (plan.create > 0) {
      let left = plan.create;
      for (let batch = 1; left > 0; batch *= 2) {
        const n = Math.min(batch, left);
        const results = await Promise.allSettled(Array.from({ length: n }, () => this.client.create("pods", namespace, podFromTemplate(rs))));
        for (const r of results) {
          if (r.status === "fulfilled") {
            this.pods.observe(r.value);
            void recordEvent(component, rs, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
          } else {
            createError = message(r.reason);
            void recordEvent(component, rs, "Warning", "FailedCreate", `Error creating: ${createError}`);
          }
        }
        left -= n;
        if (createError) break;
      }
    }
    for (const pod of plan.remove) {
      try {
        const gone = await this.client.delete("pods", namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        if (gone?.metadata.deletionTimestamp) this.pods.observe(gone);
        else this.pods.observeDeleted(gone ?? pod);
        void recordEvent(component, rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) {
          void recordEvent(component, rs, "Warning", "FailedDelete", `Error deleting: ${message(e)}`);
          throw e;
        }
      }
    }

    await this.writeStatus(rs, plan.status, createError);
    if (plan.recheckAt !== null) this.queue.addAfter(key, plan.recheckAt - now + 100);
    if (createError) throw new Error(`creating pods failed: ${createError}`);
  }

  /** Adds this controller's reference to a pod (owner) or removes it (owner null). */
  private async setOwner(pod: Pod, owner: OwnerReference | null, releaseUid?: string): Promise<void> {
    const refs = (pod.metadata.ownerReferences ?? []) as unknown as OwnerReference[];
    const next = owner ? [...refs.filter((r) => r.uid !== owner.uid), owner] : refs.filter((r) => r.uid !== releaseUid);
    const meta = { ...pod.metadata, ownerReferences: next as unknown as Array<Record<string, unknown>> };
    if (next.length === 0) delete (meta as { ownerReferences?: unknown }).ownerReferences;
    try {
      this.pods.observe(await this.client.update("pods", pod.metadata.namespace!, { ...pod, metadata: meta }));
    } catch (e) {
      // Changed or gone meanwhile: the next look decides again.
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }

  private async writeStatus(rs: ReplicaSetLike, counts: ReturnType<typeof planReplicas>["status"], createError: string | null): Promise<void> {
    const status: NonNullable<ReplicaSetLike["status"]> = { ...counts };
    if (status.observedGeneration === undefined) delete status.observedGeneration;
    const failure = rs.status?.conditions?.find((c) => c.type === "ReplicaFailure");
    const others = (rs.status?.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
    if (createError) {
      const c = { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: createError, lastTransitionTime: failure?.lastTransitionTime ?? rfc3339(new Date()) };
      status.conditions = [...others, c];
    } else if (others.length) status.conditions = others;
    if (canonicalJson(status) === canonicalJson(rs.status ?? {})) return;
    let cur = rs;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        this.sets.observe(await this.client.updateStatus(this.kind.resource, cur.metadata.namespace!, { ...cur, status }));
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
        const fresh = (await this.client.get(this.kind.resource, cur.metadata.namespace!, cur.metadata.name!)) as ReplicaSetLike | null;
        if (!fresh || fresh.metadata.uid !== rs.metadata.uid) return;
        // Counted against an older spec: look again with the fresh one.
        if ((fresh.metadata.generation ?? 0) !== (rs.metadata.generation ?? 0)) {
          this.sets.observe(fresh);
          return;
        }
        cur = fresh;
      }
    }
  }
}
