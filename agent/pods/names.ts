// How a pod's containers are named and labelled on the host, as the kubelet's Docker integration (dockershim) named
// them — so `docker ps` on a host reads like a Kubernetes node's, and whoever needs a pod's containers (re-adoption after
// an agent restart; `kubectl logs` and `exec`) finds them by their labels:
//   sandbox    k8s_POD_<pod>_<namespace>_<uid>_<attempt>
//   container  k8s_<container>_<pod>_<namespace>_<uid>_<restartCount>
// each labelled io.kubernetes.pod.uid / .pod.name / .pod.namespace and io.kubernetes.container.name ("POD" for the
// sandbox), with the attempt and the hash of the container's desired spec (a changed spec restarts the container).
import { createHash } from "node:crypto";
import type { AgentContainer, AgentPod } from "../../lib/protocol/pods";

export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
/** The restart count (a container) or attempt (the sandbox) the container was made for. */
export const LABEL_ATTEMPT = "io.kubernetes.container.restartCount";
/** The hash of the AgentContainer it was made from. */
export const LABEL_HASH = "io.kubernetes.container.hash";
/** "podsandbox" or "container", as dockershim marked them; init containers are "container" with LABEL_INIT. */
export const LABEL_TYPE = "io.kubernetes.docker.type";
export const LABEL_INIT = "gantry.pod.init-container";
export const SANDBOX_NAME = "POD";

type PodIdentity = Pick<AgentPod, "uid" | "name" | "namespace">;

export function sandboxName(pod: PodIdentity, attempt: number): string {
  return `k8s_${SANDBOX_NAME}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}

export function containerName(pod: PodIdentity, container: string, restartCount: number): string {
  return `k8s_${container}_${pod.name}_${pod.namespace}_${pod.uid}_${restartCount}`;
}

export function podLabels(pod: PodIdentity): Record<string, string> {
  return { [LABEL_POD_UID]: pod.uid, [LABEL_POD_NAME]: pod.name, [LABEL_POD_NAMESPACE]: pod.namespace };
}

export function sandboxLabels(pod: PodIdentity, attempt: number): Record<string, string> {
  return { ...podLabels(pod), [LABEL_CONTAINER_NAME]: SANDBOX_NAME, [LABEL_ATTEMPT]: String(attempt), [LABEL_TYPE]: "podsandbox" };
}

export function containerLabels(pod: PodIdentity, c: AgentContainer, restartCount: number, init: boolean): Record<string, string> {
  return {
    ...podLabels(pod),
    [LABEL_CONTAINER_NAME]: c.name,
    [LABEL_ATTEMPT]: String(restartCount),
    [LABEL_HASH]: containerHash(c),
    [LABEL_TYPE]: "container",
    ...(init ? { [LABEL_INIT]: "true" } : {}),
  };
}

/**
 * What a container was made from, as a short hash: a container whose desired spec changed (its image: the one thing a
 * pod's update may change) is made again. Env values resolved from ConfigMaps and Secrets are left out, as the kubelet
 * hashes the spec and not what it resolved: a ConfigMap that changes does not restart the containers reading it.
 */
export function containerHash(c: AgentContainer): string {
  const { env, configError: _error, ...spec } = c;
  const names = env.map((e) => e.name);
  return createHash("sha256").update(JSON.stringify({ ...spec, env: names })).digest("hex").slice(0, 16);
}

/** What the labels of a container say it is in a pod, or null for a container of no pod. */
export function podContainerOf(labels: Record<string, string> | undefined): { uid: string; container: string; attempt: number; init: boolean } | null {
  const uid = labels?.[LABEL_POD_UID];
  const container = labels?.[LABEL_CONTAINER_NAME];
  if (!uid || !container) return null;
  const attempt = Number(labels[LABEL_ATTEMPT] ?? "0");
  return { uid, container, attempt: Number.isInteger(attempt) && attempt >= 0 ? attempt : 0, init: labels[LABEL_INIT] === "true" };
}
