// v1 Pod: one or more containers sharing a network namespace, IPC and volumes, placed on one node. Defaults and
// validation as kube-apiserver's (lib/k8s/kinds/pod-spec.ts); a new pod starts Pending with its QoS class and tolerates
// not-ready and unreachable nodes for 300 s (DefaultTolerationSeconds). Its status is written only through pods/status
// (by the agent running it); spec.nodeName is set once — by the scheduler, through pods/binding or an update. Deleting a
// pod that runs on a node is graceful (lib/k8s/delete-object.ts): it gets a deletionTimestamp and stays until its node
// reports its containers gone. `kubectl get pods` prints kubectl's own columns, STATUS computed as kubectl does.
import type { KubeObject } from "../meta";
import type { ResourceDef, TableColumn } from "../resources";
import { t } from "../schema";
import { humanAge, nameColumn, typeMeta } from "./common";
import { podSpecSchema, podStatusSchema } from "./pod-schema";
import { defaultPodOnly, defaultPodSpec, defaultTolerations, podQosClass, podSpecErrors, podSpecUpdateErrors } from "./pod-spec";
import type { PodSpec, PodStatus } from "./pod-types";
import { isTerminal, podSummary } from "./pod-summary";

export { isTerminal, podSummary };

const specOf = (o: KubeObject) => (o.spec ?? {}) as PodSpec;
const statusOf = (o: KubeObject) => (o.status ?? {}) as PodStatus;

const podColumns: TableColumn[] = [
  nameColumn,
  { name: "Ready", type: "string", description: "The aggregate readiness state of this pod for accepting traffic.", priority: 0, cell: (o, now) => podSummary(o, now).ready },
  { name: "Status", type: "string", description: "The aggregate status of the containers in this pod.", priority: 0, cell: (o, now) => podSummary(o, now).status },
  {
    name: "Restarts",
    type: "string",
    description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    priority: 0,
    cell: (o, now) => podSummary(o, now).restarts,
  },
  { name: "Age", type: "string", description: "CreationTimestamp of the object.", priority: 0, cell: (o, now) => humanAge(o.metadata.creationTimestamp, now) },
  { name: "IP", type: "string", description: "IP address allocated to the pod.", priority: 1, cell: (o) => statusOf(o).podIPs?.[0]?.ip || statusOf(o).podIP || "<none>" },
  { name: "Node", type: "string", description: "The node this pod is bound to.", priority: 1, cell: (o) => specOf(o).nodeName || "<none>" },
  { name: "Nominated Node", type: "string", description: "The node this pod preempts others on.", priority: 1, cell: (o) => statusOf(o).nominatedNodeName || "<none>" },
  {
    name: "Readiness Gates",
    type: "string",
    description: "Readiness gates of the pod that are met.",
    priority: 1,
    cell: (o) => {
      const gates = specOf(o).readinessGates ?? [];
      if (!gates.length) return "<none>";
      const met = gates.filter((g) => (statusOf(o).conditions ?? []).find((c) => c.type === g.conditionType)?.status === "True").length;
      return `${met}/${gates.length}`;
    },
  },
];

export const podResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  singular: "pod",
  shortNames: ["po"],
  categories: ["all"],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
  nameRule: "dns1123-subdomain",
  schema: t.object(
    { ...typeMeta(), spec: podSpecSchema, status: podStatusSchema },
    {
      name: "io.k8s.api.core.v1.Pod",
      description: "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
      proto: { metadata: 1, spec: 2, status: 3 },
    },
  ),
  columns: podColumns,
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  // attach, exec and log are streams (server/k8s-pod-streams.ts); binding and status are writes (lib/k8s).
  subresources: { status: true, binding: true, streams: true },
  selectableFields: (o) => ({
    "spec.nodeName": specOf(o).nodeName ?? "",
    "spec.restartPolicy": specOf(o).restartPolicy ?? "",
    "spec.schedulerName": String(specOf(o).schedulerName ?? ""),
    "spec.serviceAccountName": String(specOf(o).serviceAccountName ?? ""),
    "spec.hostNetwork": String(specOf(o).hostNetwork ?? false),
    "status.phase": statusOf(o).phase ?? "",
    "status.podIP": statusOf(o).podIP ?? "",
    "status.nominatedNodeName": statusOf(o).nominatedNodeName ?? "",
  }),
  normalize(obj, old) {
    const spec = (obj.spec ??= {}) as PodSpec;
    defaultPodSpec(spec);
    defaultPodOnly(spec);
    if (!old) {
      defaultTolerations(spec);
      spec.priority ??= 0;
      spec.preemptionPolicy ??= "PreemptLowerPriority";
      obj.status = { phase: "Pending", qosClass: podQosClass(spec) };
    } else {
      // The QoS class is decided at creation and never changes.
      const qos = statusOf(old).qosClass;
      if (qos && obj.status) (obj.status as PodStatus).qosClass = qos;
    }
  },
  validate(obj, old) {
    const causes = podSpecErrors(obj.spec as PodSpec | undefined, "spec");
    if (old && obj.spec) causes.push(...podSpecUpdateErrors(obj.spec as PodSpec, specOf(old)));
    const phases = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
    const phase = statusOf(obj).phase;
    if (phase !== undefined && !phases.includes(phase))
      causes.push({ reason: "FieldValueNotSupported", field: "status.phase", message: `Unsupported value: ${JSON.stringify(phase)}: supported values: ${phases.map((p) => `"${p}"`).join(", ")}` });
    return causes;
  },
};
