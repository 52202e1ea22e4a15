// What ReplicationControllers, ReplicaSets and Deployments share: a pod template whose labels their selector must match
// and whose restartPolicy is Always, replicas ≥ 0, the scale subresource (spec.replicas, status.replicas, the selector)
// and kubectl's wide columns (CONTAINERS, IMAGES, SELECTOR).
import { canonicalJson } from "../canonical";
import { isEmptySelector, selectorMatches, selectorString, type LabelSelector } from "../label-selector";
import type { KubeObject } from "../meta";
import type { ScaleSubresource, TableColumn } from "../resources";
import type { StatusCause } from "../status";
import { defaultPodSpec, invalidCause, podSpecErrors, requiredCause } from "./pod-spec";
import type { PodTemplateSpec } from "./pod-types";

export interface WorkloadSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelector | Record<string, string>;
  template?: PodTemplateSpec;
  [field: string]: unknown;
}

export const workloadSpec = (o: KubeObject) => (o.spec ?? {}) as WorkloadSpec;
const status = (o: KubeObject) => (o.status ?? {}) as Record<string, unknown>;
const num = (v: unknown) => (typeof v === "number" ? v : 0);

/** Go's %#v of a map[string]string, as kube-apiserver prints a template's labels in its messages. */
export function goMap(m: Record<string, string> | undefined): string {
  if (!m) return "map[string]string(nil)";
  const entries = Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`);
  return `map[string]string{${entries.join(", ")}}`;
}

export function defaultTemplate(spec: WorkloadSpec): void {
  if (spec.template) defaultPodSpec(spec.template.spec);
}

/** The template's problems: required, labels matching the selector, a valid pod spec whose restartPolicy is Always. */
export function templateErrors(spec: WorkloadSpec, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  const template = spec.template;
  if (!template) return [requiredCause(`${field}.template`)];
  const labels = template.metadata?.labels;
  if (spec.selector && !isEmptySelector(asSelector(spec.selector)) && !selectorMatches(spec.selector, labels))
    out.push({ reason: "FieldValueInvalid", field: `${field}.template.metadata.labels`, message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\`` });
  out.push(...podSpecErrors(template.spec, `${field}.template.spec`, { template: true }));
  return out;
}

const asSelector = (s: LabelSelector | Record<string, string>): LabelSelector => ("matchLabels" in s || "matchExpressions" in s ? (s as LabelSelector) : { matchLabels: s as Record<string, string> });

export function replicasErrors(spec: WorkloadSpec, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (spec.replicas !== undefined && spec.replicas < 0) out.push(invalidCause(`${field}.replicas`, spec.replicas, "must be greater than or equal to 0"));
  if (spec.minReadySeconds !== undefined && spec.minReadySeconds < 0) out.push(invalidCause(`${field}.minReadySeconds`, spec.minReadySeconds, "must be greater than or equal to 0"));
  return out;
}

/** Whether the desired state changed (metadata.generation moves): the spec, for every kind here. */
export const specChanged = (next: KubeObject, old: KubeObject) => canonicalJson(next.spec) !== canonicalJson(old.spec);

export const scaleOf: ScaleSubresource = {
  specReplicas: (o) => num(workloadSpec(o).replicas),
  setSpecReplicas: (o, n) => {
    o.spec = { ...workloadSpec(o), replicas: n };
  },
  statusReplicas: (o) => num(status(o).replicas),
  selector: (o) => selectorString(workloadSpec(o).selector),
};

const containers = (o: KubeObject) => workloadSpec(o).template?.spec?.containers ?? [];

export const wideColumns: TableColumn[] = [
  { name: "Containers", type: "string", description: "Names of each container in the template.", priority: 1, cell: (o) => containers(o).map((c) => c.name).join(",") },
  { name: "Images", type: "string", description: "Images referenced by each container in the template.", priority: 1, cell: (o) => containers(o).map((c) => c.image ?? "").join(",") },
  { name: "Selector", type: "string", description: "A label query over pods that should match the replicas count.", priority: 1, cell: (o) => selectorString(workloadSpec(o).selector) || "<none>" },
];

/** DESIRED CURRENT READY: ReplicationControllers' and ReplicaSets' counts. */
export const replicaCountColumns: TableColumn[] = [
  { name: "Desired", type: "integer", description: "Replicas is the number of desired replicas.", priority: 0, cell: (o) => num(workloadSpec(o).replicas) },
  { name: "Current", type: "integer", description: "Replicas is the most recently observed number of replicas.", priority: 0, cell: (o) => num(status(o).replicas) },
  { name: "Ready", type: "integer", description: "The number of ready replicas for this replication controller.", priority: 0, cell: (o) => num(status(o).readyReplicas) },
];

export const statusCount = (o: KubeObject, k: string) => num(status(o)[k]);
