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
import type { Container, ContainerStatus, PodSpec, PodStatus } from "./pod-types";

const specOf = (o: KubeObject) => (o.spec ?? {}) as PodSpec;
const statusOf = (o: KubeObject) => (o.status ?? {}) as PodStatus;

/** Whether a pod's phase is final (its containers will not run again). */
export const isTerminal = (o: KubeObject) => statusOf(o).phase === "Succeeded" || statusOf(o).phase === "Failed";

const isRestartableInit = (c: Container | undefined) => c?.restartPolicy === "Always";
const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

/** kubectl's READY, STATUS and RESTARTS for a pod (printPod in k8s.io/kubernetes/pkg/printers/internalversion). */
export function podSummary(o: KubeObject, now: Date): { ready: string; status: string; restarts: string } {
  const spec = specOf(o);
  const status = statusOf(o);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  const phase = status.phase ?? "";
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";

  const inits = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) total++;

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) lastRestart = later(lastRestart, finished);
    const restartable = isRestartableInit(inits.get(c.name));
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      if (finished) lastRestartableInitRestart = later(lastRestartableInitRestart, finished);
    }
    const term = c.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (restartable && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      const finished = c.lastState?.terminated?.finishedAt;
      if (finished) lastRestart = later(lastRestart, finished);
      const term = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }

  if (o.metadata.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (o.metadata.deletionTimestamp && !isTerminal(o)) reason = "Terminating";

  const restartsText = restarts !== 0 && lastRestart ? `${restarts} (${humanAge(lastRestart, now)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsText };
}

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
