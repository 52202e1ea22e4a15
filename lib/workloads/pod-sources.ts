// Where a pod's containers run, for the dashboard's log viewer and terminal (pure): the host bound by spec.nodeName
// (hosts are Nodes by name; when two hosts share a name the Node is the older one, as lib/pods/node-of-host.ts
// decides) and each container's engine id from its status's containerID (`gantry://<id>`). A container not started
// yet has no source.
import type { ContainerStatus, Pod } from "@/lib/k8s/kinds/pod-types";

export interface HostRef {
  id: number;
  name: string;
}

export interface PodContainerSource {
  hostId: number;
  /** The engine's id of the container on that host. */
  container: string;
  /** "pod/container" (or "pod" when the pod has one container). */
  label: string;
  pod: string;
  containerName: string;
}

/** The engine id in a status containerID, or null. */
export function engineIdOf(containerID: string | undefined): string | null {
  const m = /^[a-z0-9-]+:\/\/([0-9a-f]{12,64})$/.exec(containerID ?? "");
  return m ? m[1]! : null;
}

/** The host a Node name stands for: the oldest host of that name. */
export function hostOfNode(nodeName: string | undefined, hosts: readonly HostRef[]): HostRef | null {
  if (!nodeName) return null;
  let best: HostRef | null = null;
  for (const h of hosts) if (h.name === nodeName && (!best || h.id < best.id)) best = h;
  return best;
}

/** A container's status in a pod (init containers too). */
export function statusOf(pod: Pod, container: string): ContainerStatus | undefined {
  const st = pod.status ?? {};
  return [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? [])].find((s) => s.name === container);
}

/**
 * The log sources of a pod's containers (init containers first, then the app containers) that have started: the
 * current container, or with `previous` the last one that ended.
 */
export function podLogSources(pod: Pod, hosts: readonly HostRef[], opts: { previous?: boolean; containers?: readonly string[] } = {}): PodContainerSource[] {
  const host = hostOfNode(pod.spec?.nodeName, hosts);
  if (!host) return [];
  const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
  const single = (pod.spec?.containers ?? []).length === 1 && !(pod.spec?.initContainers ?? []).length;
  const out: PodContainerSource[] = [];
  for (const name of names) {
    if (opts.containers && !opts.containers.includes(name)) continue;
    const cs = statusOf(pod, name);
    const id = engineIdOf(opts.previous ? cs?.lastState?.terminated?.containerID : cs?.containerID);
    if (!id) continue;
    const podName = pod.metadata.name ?? "";
    out.push({ hostId: host.id, container: id, label: single ? podName : `${podName}/${name}`, pod: podName, containerName: name });
  }
  return out;
}

/** A label selector object (matchLabels, matchExpressions) as the text the API's labelSelector takes. */
export function selectorText(selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined): string {
  if (!selector) return "";
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}
