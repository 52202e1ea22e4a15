// Which engine container on which host a pod's subresource stream (pods/log, pods/exec, pods/attach,
// pods/portforward) reaches, and whether the caller may open it. Logs need k8s.read and containers.logs; exec and
// attach need k8s.read and containers.exec — the same rights the dashboard's log viewer and terminal ask for;
// port-forward needs k8s.read and containers.port-forward (a way into the pod's network, not a shell in it) — refused
// in kube-apiserver's words. The container is the one the pod's status names (containerID, or lastState's for `--previous`), else the
// agent's name for it (`k8s_<container>_<pod>_<namespace>_<uid>_<restartCount>`).
import { can, refusal, type Action, type Actor } from "@/lib/auth/policy";
import { db } from "@/lib/db";
import type { KubeObject } from "./meta";
import { findResource } from "./resources";
import { KubeError, badRequest, forbiddenFor, notFound, unauthorized } from "./status";
import { readObject } from "./store";

export type PodStream = "log" | "exec" | "attach" | "portforward";

const RIGHTS: Record<PodStream, readonly Action[]> = {
  log: ["k8s.read", "containers.logs"],
  exec: ["k8s.read", "containers.exec"],
  attach: ["k8s.read", "containers.exec"],
  portforward: ["k8s.read", "containers.port-forward"],
};
/** The rights a pod stream needs (kubectl auth can-i asks them too: lib/k8s/access-review.ts). */
export const podStreamRights = (stream: PodStream): readonly Action[] => RIGHTS[stream];
const VERB: Record<PodStream, string> = { log: "get", exec: "create", attach: "create", portforward: "create" };

export interface PodContainerTarget {
  hostId: number;
  /** The engine's id or name for the container on that host. */
  containerRef: string;
  container: string;
  pod: KubeObject;
}

interface ContainerStatus {
  name: string;
  containerID?: string;
  restartCount?: number;
  state?: { running?: object; waiting?: { reason?: string; message?: string }; terminated?: { containerID?: string } };
  lastState?: { terminated?: { containerID?: string } };
}

const PODS = { group: "", plural: "pods" };

export function authorizePodStream(actor: Actor | null, stream: PodStream, namespace: string, name: string): asserts actor is Actor {
  if (!actor) throw unauthorized();
  for (const right of RIGHTS[stream]) {
    if (can(actor, right, { namespace })) continue;
    throw forbiddenFor(PODS, name, `pods "${name}" is forbidden: User "${actor.email}" cannot ${VERB[stream]} resource "pods/${stream}" in API group "" in the namespace "${namespace}": ${refusal(actor, right)}`);
  }
}

/** The engine id in a status containerID (`gantry://…`, `docker://…`), or null. */
function engineId(containerID: string | undefined): string | null {
  const m = /^[a-z0-9-]+:\/\/([0-9a-f]{12,64})$/.exec(containerID ?? "");
  return m ? m[1]! : null;
}

async function readPodOrThrow(namespace: string, name: string): Promise<KubeObject> {
  const def = findResource("", "v1", "pods");
  const pod = def ? await readObject(def, namespace, name) : null;
  if (!pod) throw notFound(PODS, name);
  return pod;
}

async function podHostId(pod: KubeObject, name: string): Promise<number> {
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const host = await db.host.findFirst({ where: { name: nodeName, revokedAt: null }, select: { id: true }, orderBy: { id: "asc" } });
  if (!host) throw new KubeError(404, "NotFound", `the node "${nodeName}" of pod ${name} is not a host of this control plane`);
  return host.id;
}

/**
 * For pods/portforward: the host of a running pod and one of its containers there (any: they share the sandbox's
 * network namespace, which the agent reaches through it).
 */
export async function podNetworkTarget(actor: Actor | null, namespace: string, name: string): Promise<{ hostId: number; containerRef: string; pod: KubeObject }> {
  authorizePodStream(actor, "portforward", namespace, name);
  const pod = await readPodOrThrow(namespace, name);
  const phase = (pod.status as { phase?: string } | undefined)?.phase ?? "Pending";
  if (phase !== "Running") throw badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
  const hostId = await podHostId(pod, name);
  const statuses = ((pod.status ?? {}) as { containerStatuses?: ContainerStatus[] }).containerStatuses ?? [];
  const withId = statuses.map((s) => engineId(s.containerID)).find((id) => id);
  if (withId) return { hostId, containerRef: withId, pod };
  const first = statuses[0];
  if (!first) throw badRequest(`pod ${name} has no container started yet`);
  return { hostId, containerRef: `k8s_${first.name}_${name}_${namespace}_${pod.metadata.uid ?? ""}_${first.restartCount ?? 0}`, pod };
}

export async function podContainerTarget(
  actor: Actor | null,
  stream: Exclude<PodStream, "portforward">,
  namespace: string,
  name: string,
  opts: { container?: string | null; previous?: boolean },
): Promise<PodContainerTarget> {
  authorizePodStream(actor, stream, namespace, name);
  const pod = await readPodOrThrow(namespace, name);
  const spec = (pod.spec ?? {}) as { nodeName?: string; containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }> };
  const names = (spec.containers ?? []).map((c) => c.name);
  const initNames = (spec.initContainers ?? []).map((c) => c.name);
  let container = opts.container ?? "";
  if (!container) {
    if (names.length !== 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]${initNames.length ? ` or one of the init containers: [${initNames.join(" ")}]` : ""}`);
    container = names[0]!;
  }
  if (!names.includes(container) && !initNames.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const host = { id: await podHostId(pod, name) };

  const status = (pod.status ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
  const cs = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find((s) => s.name === container);
  const uid = pod.metadata.uid ?? "";
  if (opts.previous) {
    const id = engineId(cs?.lastState?.terminated?.containerID);
    if (id) return { hostId: host.id, containerRef: id, container, pod };
    const restarts = cs?.restartCount ?? 0;
    if (restarts < 1) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    return { hostId: host.id, containerRef: `k8s_${container}_${name}_${namespace}_${uid}_${restarts - 1}`, container, pod };
  }
  const waiting = cs?.state?.waiting;
  const id = engineId(cs?.containerID);
  if (!id && waiting) {
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting.reason ?? "ContainerCreating"}`);
  }
  if (stream !== "log" && !cs?.state?.running) {
    throw badRequest(`cannot ${stream} into a container in a completed pod; current phase is ${String((pod.status as { phase?: string } | undefined)?.phase ?? "Pending")}`);
  }
  return { hostId: host.id, containerRef: id ?? `k8s_${container}_${name}_${namespace}_${uid}_${cs?.restartCount ?? 0}`, container, pod };
}
