// A host's report of one of its pods (pods.status), written to the Pod's status subresource — only for a pod bound to
// that host: the uid must name a pod whose spec.nodeName is the reporting host's node, so no agent can write another
// host's pods. The conditions the kubelet owns come from the report; the others (PodScheduled from the scheduler,
// DisruptionTarget from node lifecycle) are kept as stored. A pod being deleted whose containers have all stopped (its
// host reports a final phase) is then removed (delete with grace 0), as the kubelet's status manager does. Events the
// kubelet would record (Started, Killing, BackOff, Failed pulls) are recorded from what changed.
import { GantryError } from "@/lib/errors";
import { recordEvent } from "@/lib/k8s/events";
import type { KubeObject } from "@/lib/k8s/meta";
import type { PodSpec } from "@/lib/k8s/kinds/pod-types";
import { KubeError } from "@/lib/k8s/status";
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

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function recordPodStatus(client: SystemClient, node: string, msg: PodStatusMessage, at: PodLocation): Promise<Recorded> {
  for (let attempt = 0; ; attempt++) {
    const pod = await client.get("pods", at.namespace, at.name);
    if (!pod || pod.metadata.uid !== msg.uid) throw new GantryError("not_found", `no pod with uid ${msg.uid} is bound to this host`);
    if ((pod.spec as PodSpec | undefined)?.nodeName !== node) throw new GantryError("forbidden", `pod ${at.namespace}/${at.name} is not bound to this host`);
    const next = mergeStatus(pod.status as Record<string, unknown> | undefined, msg.status);
    let outcome: Recorded = "unchanged";
    if (!same(next, pod.status)) {
      try {
        await client.updateStatus("pods", at.namespace, { ...pod, status: next });
        outcome = "written";
      } catch (e) {
        if (e instanceof KubeError && e.code === 409 && attempt < 5) continue; // changed meanwhile: read it again
        throw e;
      }
      await recordChanges(node, pod, msg.status);
    }
    if (pod.metadata.deletionTimestamp && finished(msg.status)) {
      await client.delete("pods", at.namespace, at.name, { gracePeriodSeconds: 0, preconditions: { uid: msg.uid } });
      return "removed";
    }
    return outcome;
  }
}

/** The kubelet's events, from the difference between the stored status and the reported one. */
async function recordChanges(node: string, pod: KubeObject, now: PodStatus) {
  const before = (pod.status ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
  const pairs: Array<[ContainerStatus | undefined, ContainerStatus, string]> = [
    ...(now.initContainerStatuses ?? []).map((c): [ContainerStatus | undefined, ContainerStatus, string] => [before.initContainerStatuses?.find((o) => o.name === c.name), c, `spec.initContainers{${c.name}}`]),
    ...now.containerStatuses.map((c): [ContainerStatus | undefined, ContainerStatus, string] => [before.containerStatuses?.find((o) => o.name === c.name), c, `spec.containers{${c.name}}`]),
  ];
  const ev = (fieldPath: string, type: "Normal" | "Warning", reason: string, message: string) => recordEvent("kubelet", pod, type, reason, message, { host: node, fieldPath });
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
