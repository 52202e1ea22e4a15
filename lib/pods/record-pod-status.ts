// A host's report of one of its pods (pods.status), written to the Pod's status subresource — only for a pod bound to
// that host: the uid must name a pod whose spec.nodeName is the reporting host's node, so no agent can write another
// host's pods. The conditions the kubelet owns come from the report; the others (PodScheduled from the scheduler,
// DisruptionTarget from node lifecycle) are kept as stored. A pod being deleted whose containers have all stopped (its
// host reports a final phase) is then removed (delete with grace 0), as the kubelet's status manager does. Events the
// kubelet would record (Started, Killing, BackOff, Failed pulls) are recorded from what changed, in the same write.
// Reports that arrive while the last ones are being written go in one transaction (PodStatusWriter): a host reports
// many pods at once when they start together.
import { GantryError } from "@/lib/errors";
import { decodeObject } from "@/lib/k8s/admit";
import { canonicalJson } from "@/lib/k8s/canonical";
import { eventsAbout, recordEventIn, type EventsByUid } from "@/lib/k8s/events";
import type { KubeObject } from "@/lib/k8s/meta";
import type { PodSpec } from "@/lib/k8s/kinds/pod-types";
import { KubeError } from "@/lib/k8s/status";
import { replaceStored } from "@/lib/k8s/replace-stored";
import { resourceByKey } from "@/lib/k8s/resources";
import { writeTransaction, type StoreWriter } from "@/lib/k8s/store";
import type { SystemClient } from "@/lib/k8s/system-client";
import type { ContainerStatus, PodStatus, PodStatusMessage } from "@/lib/protocol/pods";

/** The conditions a pod's host reports; the others belong to the control plane's components. */
const HOST_CONDITIONS = new Set(["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"]);

export type Recorded = "written" | "unchanged" | "removed";

/** Where the pod is, as the dispatcher knows it from its watch (re-checked here against the stored object). */
export interface PodLocation {
  namespace: string;
  name: string;
}

export function mergeStatus(stored: Record<string, unknown> | undefined, reported: PodStatus): Record<string, unknown> {
  const old = (stored ?? {}) as { conditions?: Array<{ type: string }>; nominatedNodeName?: string };
  const kept = (old.conditions ?? []).filter((c) => !HOST_CONDITIONS.has(c.type));
  const conditions = [...reported.conditions.filter((c) => HOST_CONDITIONS.has(c.type) || !kept.some((k) => k.type === c.type)), ...kept];
  return { ...reported, conditions, ...(old.nominatedNodeName ? { nominatedNodeName: old.nominatedNodeName } : {}) };
}

/** Every container has stopped and the phase is final. */
export function finished(status: PodStatus): boolean {
  const all = [...(status.initContainerStatuses ?? []), ...status.containerStatuses];
  return (status.phase === "Succeeded" || status.phase === "Failed") && all.every((c) => !c.state.running);
}

/** The same JSON whatever the order of keys (PostgreSQL's jsonb hands objects back in an order of its own). */
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** One host's report of one pod, and where the dispatcher knows that pod to be. */
export interface StatusReport {
  node: string;
  msg: PodStatusMessage;
  at: PodLocation;
}

export type StatusOutcome = { recorded: Recorded } | { error: unknown };

/**
 * Writes reports in one write transaction of the store, each with its events (the store's writes are serialized by its
 * revision lock: one transaction for the statuses of a burst of pods is what keeps up with them). Each report is checked
 * and refused on its own without failing the others; a database failure fails them all. Pods being deleted whose
 * containers have all stopped are removed afterwards.
 */
export async function recordPodStatuses(client: SystemClient, reports: readonly StatusReport[], component: string): Promise<StatusOutcome[]> {
  const def = resourceByKey("pods")!;
  const who = { manager: component, operation: "Update" as const };
  const toRemove: number[] = [];
  const outcomes = await writeTransaction(async (w) => {
    // The pods' earlier events, read once for the batch (to count a repeat rather than record it again).
    const known: EventsByUid = new Map();
    for (const ns of new Set(reports.map((r) => r.at.namespace))) {
      for (const [uid, events] of await eventsAbout(w, ns, reports.filter((r) => r.at.namespace === ns).map((r) => r.msg.uid))) known.set(uid, events);
    }
    const out: StatusOutcome[] = [];
    for (const [i, { node, msg, at }] of reports.entries()) {
      try {
        const pod = await w.get(def, at.namespace, at.name);
        if (!pod || pod.metadata.uid !== msg.uid) throw new GantryError("not_found", `no pod with uid ${msg.uid} is bound to this host`);
        if ((pod.spec as PodSpec | undefined)?.nodeName !== node) throw new GantryError("forbidden", `pod ${at.namespace}/${at.name} is not bound to this host`);
        const next = mergeStatus(pod.status as Record<string, unknown> | undefined, msg.status);
        let recorded: Recorded = "unchanged";
        if (!same(next, pod.status)) {
          const { object } = decodeObject(def, { ...pod, status: next }, "Strict");
          await replaceStored(w, def, pod, object, who, { subresource: "status" });
          recorded = "written";
          await recordChanges(w, node, pod, msg.status, known);
        }
        if (pod.metadata.deletionTimestamp && finished(msg.status)) toRemove.push(i);
        out.push({ recorded });
      } catch (e) {
        if (!(e instanceof GantryError) && !(e instanceof KubeError)) throw e;
        out.push({ error: e });
      }
    }
    return out;
  });
  for (const i of toRemove) {
    const { msg, at } = reports[i]!;
    try {
      await client.delete("pods", at.namespace, at.name, { gracePeriodSeconds: 0, preconditions: { uid: msg.uid } });
      outcomes[i] = { recorded: "removed" };
    } catch (e) {
      outcomes[i] = { error: e };
    }
  }
  return outcomes;
}

/** Collects hosts' reports and writes them in batches of up to `maxBatch`, one batch at a time (as the scheduler's Binder). */
export class PodStatusWriter {
  private pending: Array<StatusReport & { resolve(r: Recorded): void; reject(e: unknown): void }> = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly client: SystemClient,
    private readonly component: string,
    private readonly maxBatch = 100,
  ) {}

  /** How the report was recorded; rejects with what refused it (GantryError: not this host's pod) or the batch's failure. */
  record(report: StatusReport): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...report, resolve, reject });
      this.running ??= this.flush().finally(() => (this.running = null));
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const outcomes = await recordPodStatuses(this.client, batch, this.component);
        outcomes.forEach((o, i) => ("recorded" in o ? batch[i]!.resolve(o.recorded) : batch[i]!.reject(o.error)));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
  }
}

/** The kubelet's events, from the difference between the stored status and the reported one. */
async function recordChanges(w: StoreWriter, node: string, pod: KubeObject, now: PodStatus, known: EventsByUid) {
  const before = (pod.status ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
  const pairs: Array<[ContainerStatus | undefined, ContainerStatus, string]> = [
    ...(now.initContainerStatuses ?? []).map((c): [ContainerStatus | undefined, ContainerStatus, string] => [before.initContainerStatuses?.find((o) => o.name === c.name), c, `spec.initContainers{${c.name}}`]),
    ...now.containerStatuses.map((c): [ContainerStatus | undefined, ContainerStatus, string] => [before.containerStatuses?.find((o) => o.name === c.name), c, `spec.containers{${c.name}}`]),
  ];
  // An event refused before anything was written (a name taken) leaves the status recorded without it.
  const ev = (fieldPath: string, type: "Normal" | "Warning", reason: string, message: string) =>
    recordEventIn(w, "kubelet", pod, type, reason, message, { host: node, fieldPath }, known).catch((e) => {
      if (!(e instanceof KubeError)) throw e;
    });
  for (const [old, c, fieldPath] of pairs) {
    const started = c.state.running?.startedAt;
    if (started && (old?.state?.running?.startedAt !== started || old?.containerID !== c.containerID)) await ev(fieldPath, "Normal", "Started", `Started container ${c.name}`);
    const waiting = c.state.waiting?.reason;
    if (waiting && waiting !== old?.state?.waiting?.reason) {
      if (waiting === "CrashLoopBackOff") await ev(fieldPath, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`);
      else if (waiting === "ErrImagePull" || waiting === "ErrImageNeverPull") await ev(fieldPath, "Warning", "Failed", c.state.waiting?.message ?? waiting);
      else if (waiting === "ImagePullBackOff") await ev(fieldPath, "Normal", "BackOff", `Back-off pulling image "${c.image}"`);
      else if (waiting === "CreateContainerConfigError" || waiting === "CreateContainerError") await ev(fieldPath, "Warning", "Failed", `Error: ${c.state.waiting?.message ?? waiting}`);
    }
    if (pod.metadata.deletionTimestamp && old?.state?.running && c.state.terminated) await ev(fieldPath, "Normal", "Killing", `Stopping container ${c.name}`);
  }
}
