// A stack as the dashboard shows it, from its objects: its services (Deployments) with replicas ready and updated, the
// ports it publishes (its NodePort Services, with the node ports they got), and its status.
import type { KubeObject } from "@/lib/k8s/meta";
import { STACK_LABEL, STACK_ROLE_LABEL, STACK_SERVICE_LABEL, SOURCE_COMPOSE_KEY, SOURCE_ENV_FILES_KEY } from "@/lib/compose/types";
import type { StackDetail, StackSummary } from "./schemas";

interface DeploymentLike {
  spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ image?: string }> } } };
  status?: { readyReplicas?: number; updatedReplicas?: number; replicas?: number };
}
interface ServiceLike {
  spec?: { type?: string; ports?: Array<{ port: number; targetPort?: number | string; protocol?: string; nodePort?: number }> };
}

export function stackSummaryOf(namespace: string, name: string, objects: KubeObject[]): StackSummary {
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const services = deployments
    .map((d) => {
      const dl = d as unknown as DeploymentLike;
      const svcName = d.metadata.labels?.[STACK_SERVICE_LABEL] ?? d.metadata.name!;
      const published = objects.filter((o) => o.kind === "Service" && o.metadata.labels?.[STACK_SERVICE_LABEL] === svcName && (o as ServiceLike).spec?.type === "NodePort");
      return {
        name: svcName,
        image: dl.spec?.template?.spec?.containers?.[0]?.image ?? null,
        replicas: dl.spec?.replicas ?? 1,
        ready: dl.status?.readyReplicas ?? 0,
        updated: dl.status?.updatedReplicas ?? 0,
        ports: published.flatMap((s) => ((s as ServiceLike).spec?.ports ?? []).map((p) => ({ port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? "TCP", nodePort: p.nodePort ?? null }))),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const wanted = services.reduce((n, s) => n + s.replicas, 0);
  const settled = services.every((s) => s.ready >= s.replicas && s.updated >= s.replicas);
  const times = objects.map((o) => o.metadata.creationTimestamp).filter((t): t is string => !!t);
  return {
    name,
    namespace,
    status: wanted === 0 ? "stopped" : settled ? "running" : "progressing",
    services,
    objects: objects.length,
    updatedAt: times.sort().at(-1) ?? null,
  };
}

export function stackDetailOf(namespace: string, name: string, objects: KubeObject[]): StackDetail {
  const source = objects.find((o) => o.kind === "ConfigMap" && o.metadata.labels?.[STACK_ROLE_LABEL] === "source");
  const data = (source?.data ?? {}) as Record<string, string>;
  let envFiles: Record<string, string> = {};
  try {
    envFiles = JSON.parse(data[SOURCE_ENV_FILES_KEY] ?? "{}") as Record<string, string>;
  } catch {
    envFiles = {};
  }
  return {
    ...stackSummaryOf(namespace, name, objects),
    compose: data[SOURCE_COMPOSE_KEY] ?? "",
    envFiles,
    objectList: objects.map((o) => ({ kind: o.kind, name: o.metadata.name!, createdAt: o.metadata.creationTimestamp ?? null })),
  };
}

/** Objects of many stacks, grouped by namespace/stack. */
export function groupByStack(objects: KubeObject[]): Map<string, KubeObject[]> {
  const out = new Map<string, KubeObject[]>();
  for (const o of objects) {
    const stack = o.metadata.labels?.[STACK_LABEL];
    if (!stack) continue;
    const key = `${o.metadata.namespace}/${stack}`;
    out.set(key, [...(out.get(key) ?? []), o]);
  }
  return out;
}
