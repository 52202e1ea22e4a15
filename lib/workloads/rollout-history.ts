// A Deployment's rollout history as `kubectl rollout history` reads it: the ReplicaSets it owns, one per pod template it
// has had, each numbered by its deployment.kubernetes.io/revision annotation (a template rolled back to takes the next
// number and keeps its earlier ones in deployment.kubernetes.io/revision-history). Pure: shared by the page and tests.
import { stringify } from "yaml";
import type { KubeObject } from "@/lib/k8s/meta";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const POD_TEMPLATE_HASH = "pod-template-hash";

export interface ReplicaSetLike extends KubeObject {
  spec?: { replicas?: number; template?: Record<string, unknown>; selector?: unknown };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export interface Revision {
  revision: number;
  /** Earlier numbers this same template had (rolled back to). */
  earlier: number[];
  replicaSet: ReplicaSetLike;
  /** The images of its containers, in order. */
  images: string[];
  /** The cause kubectl records (kubernetes.io/change-cause), if any. */
  changeCause: string | null;
}

/** Whether `rs` is controlled by the Deployment `deploymentUid`. */
export function ownedBy(rs: KubeObject, uid: string | undefined): boolean {
  return !!uid && (rs.metadata.ownerReferences ?? []).some((o) => o.uid === uid && o.controller !== false);
}

/** The Deployment's revisions, newest first. ReplicaSets without a revision annotation are left out. */
export function rolloutHistory(deploymentUid: string | undefined, replicaSets: readonly ReplicaSetLike[]): Revision[] {
  const out: Revision[] = [];
  for (const rs of replicaSets) {
    if (!ownedBy(rs, deploymentUid)) continue;
    const annotations = rs.metadata.annotations ?? {};
    const revision = Number(annotations[REVISION]);
    if (!Number.isInteger(revision) || revision < 1) continue;
    const earlier = (annotations[REVISION_HISTORY] ?? "")
      .split(",")
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
    const containers = ((rs.spec?.template as { spec?: { containers?: Array<{ image?: string }> } } | undefined)?.spec?.containers ?? []);
    out.push({
      revision,
      earlier,
      replicaSet: rs,
      images: containers.map((c) => c.image ?? ""),
      changeCause: (rs.spec?.template as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata?.annotations?.["kubernetes.io/change-cause"] ?? annotations["kubernetes.io/change-cause"] ?? null,
    });
  }
  return out.sort((a, b) => b.revision - a.revision);
}

/** A pod template without the pod-template-hash label the Deployment adds to each ReplicaSet's copy (a deep copy). */
export function templateWithoutHash(template: unknown): Record<string, unknown> {
  const t = structuredClone((template ?? {}) as Record<string, unknown>);
  const meta = t.metadata as { labels?: Record<string, string> } | undefined;
  if (meta?.labels && POD_TEMPLATE_HASH in meta.labels) {
    delete meta.labels[POD_TEMPLATE_HASH];
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  return t;
}

/** A template as YAML for reading and comparing: keys sorted so two revisions line up field by field. */
export function templateYaml(template: unknown): string {
  return stringify(templateWithoutHash(template), { sortMapEntries: true, lineWidth: 0 });
}
