// Deployments, ReplicaSets and ReplicationControllers as the dashboard's lists show them: kubectl's columns (READY,
// UP-TO-DATE, AVAILABLE; DESIRED, CURRENT, READY), the images of their pod template, and one word for where a
// Deployment stands, so the list can be filtered by it.
import type { KubeObject } from "@/lib/k8s/meta";

type Replicated = {
  spec?: { replicas?: number; paused?: boolean; selector?: { matchLabels?: Record<string, string> } | Record<string, string>; template?: { spec?: { containers?: Array<{ image?: string }> } } };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number };
};

export interface DeploymentView {
  /** kubectl's READY: "2/3". */
  ready: string;
  upToDate: number;
  available: number;
  desired: number;
  /** "Available", "Progressing", "Unavailable", "Paused" or "Scaled to 0". */
  state: string;
  images: string;
}

const images = (o: Replicated) => (o.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? "").filter(Boolean).join(", ");

export function deploymentView(d: KubeObject): DeploymentView {
  const o = d as Replicated;
  const desired = o.spec?.replicas ?? 1;
  const s = o.status ?? {};
  const ready = s.readyReplicas ?? 0;
  const upToDate = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const generation = d.metadata.generation ?? 0;
  let state: string;
  if (o.spec?.paused) state = "Paused";
  else if ((s.observedGeneration ?? 0) < generation || upToDate < desired || (s.replicas ?? 0) > desired) state = "Progressing";
  else if (desired === 0) state = "Scaled to 0";
  else state = available >= desired ? "Available" : "Unavailable";
  return { ready: `${ready}/${desired}`, upToDate, available, desired, state, images: images(o) };
}

export interface ReplicaSetView {
  desired: number;
  current: number;
  ready: number;
  images: string;
  /** The label selector as text (`app=web,pod-template-hash=…`), for a link to its pods. */
  selector: string;
}

/** A ReplicaSet (selector.matchLabels) or a ReplicationController (selector is the map itself). */
export function replicaSetView(rs: KubeObject, kind: "ReplicaSet" | "ReplicationController"): ReplicaSetView {
  const o = rs as Replicated;
  const sel = o.spec?.selector ?? {};
  const labels = (kind === "ReplicationController" ? sel : (sel as { matchLabels?: Record<string, string> }).matchLabels ?? {}) as Record<string, string>;
  return {
    desired: o.spec?.replicas ?? 1,
    current: o.status?.replicas ?? 0,
    ready: o.status?.readyReplicas ?? 0,
    images: images(o),
    selector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","),
  };
}
