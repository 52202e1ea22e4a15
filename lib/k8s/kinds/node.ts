// v1 Node: a Gantry host. Nodes are stored like other objects: the control plane registers one for every host that has
// not been revoked (named as the host) and keeps what the host reports — its labels (hostname, os, arch, host id),
// capacity and allocatable from its agent's facts, the Ready condition from its heartbeats — and the taints that follow
// from Ready and from cordoning (lib/orchestration/node-sync.ts). Users edit the rest: labels (`kubectl label node`),
// spec.unschedulable (`kubectl cordon/uncordon/drain`) and spec.taints (`kubectl taint`). Status is read-only to them
// (it has the status subresource). Nodes are neither created nor deleted through the API: joining and revoking hosts
// does that.
import type { KubeObject } from "../meta";
import { qualifiedNameErrors } from "../meta";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { ageColumn, nameColumn, typeMeta } from "./common";

const taint = t.object(
  {
    key: t.string("Required. The taint key to be applied to a node."),
    value: t.string("The taint value corresponding to the taint key."),
    effect: t.string("Required. The effect of the taint on pods that do not tolerate the taint.", { enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"] }),
    timeAdded: t.string("The time at which the taint was added (NoExecute taints only).", { format: "date-time" }),
  },
  { name: "io.k8s.api.core.v1.Taint", required: ["key", "effect"], description: "The node this Taint is attached to has the \"effect\" on any pod that does not tolerate the Taint.", proto: { key: 1, value: 2, effect: 3, timeAdded: 4 } },
);

const spec = (o: KubeObject) => (o.spec ?? {}) as { unschedulable?: boolean; taints?: Array<Record<string, unknown>> };
const status = (o: KubeObject) =>
  (o.status ?? {}) as { conditions?: Array<{ type: string; status: string }>; nodeInfo?: Record<string, string>; addresses?: Array<{ type: string; address: string }> };
const ready = (o: KubeObject) => status(o).conditions?.find((c) => c.type === "Ready");
const nodeInfo = (o: KubeObject) => status(o).nodeInfo ?? {};

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

function taintErrors(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const taints = spec(obj).taints ?? [];
  const seen = new Set<string>();
  taints.forEach((tn, i) => {
    const at = `spec.taints[${i}]`;
    const key = typeof tn.key === "string" ? tn.key : "";
    if (!key) causes.push({ reason: "FieldValueRequired", field: `${at}.key`, message: "Required value" });
    else for (const e of qualifiedNameErrors(key)) causes.push({ reason: "FieldValueInvalid", field: `${at}.key`, message: `Invalid value: ${JSON.stringify(key)}: ${e}` });
    const value = typeof tn.value === "string" ? tn.value : "";
    if (value.length > 63 || !LABEL_VALUE.test(value))
      causes.push({ reason: "FieldValueInvalid", field: `${at}.value`, message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters` });
    const effect = typeof tn.effect === "string" ? tn.effect : "";
    if (!effect) causes.push({ reason: "FieldValueRequired", field: `${at}.effect`, message: "Required value" });
    else if (!EFFECTS.includes(effect))
      causes.push({ reason: "FieldValueNotSupported", field: `${at}.effect`, message: `Unsupported value: ${JSON.stringify(effect)}: supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"` });
    const pair = `${key}\u0000${effect}`;
    if (key && effect && seen.has(pair)) causes.push({ reason: "FieldValueDuplicate", field: `${at}`, message: `Duplicate value: taints must be unique by key and effect pair` });
    seen.add(pair);
  });
  return causes;
}

export const nodeResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  singular: "node",
  shortNames: ["no"],
  namespaced: false,
  verbs: ["get", "list", "patch", "update", "watch"],
  description: "Node is a Gantry host: a worker that runs pods. Registered by the control plane for every host.",
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      spec: t.object(
        {
          unschedulable: t.bool("Unschedulable controls node schedulability of new pods (kubectl cordon sets it)."),
          taints: t.array(taint, "If specified, the node's taints."),
          podCIDR: t.string("The pod IP range assigned to the node."),
          podCIDRs: t.array(t.string(), "The pod IP ranges assigned to the node."),
          providerID: t.string("ID of the node assigned by the cloud provider."),
        },
        { name: "io.k8s.api.core.v1.NodeSpec", description: "NodeSpec describes the attributes that a node is created with.", proto: { podCIDR: 1, providerID: 3, unschedulable: 4, taints: 5, podCIDRs: 7 } },
      ),
      status: t.any("The node's observed state: conditions, addresses, capacity, allocatable, nodeInfo. Written by the control plane."),
    },
    { name: "io.k8s.api.core.v1.Node", description: "Node is a Gantry host: a worker that runs pods.", proto: { metadata: 1, spec: 2, status: 3 } },
  ),
  columns: [
    nameColumn,
    {
      name: "Status",
      type: "string",
      description: "The status of the node",
      priority: 0,
      cell: (o) => `${ready(o)?.status === "True" ? "Ready" : "NotReady"}${spec(o).unschedulable ? ",SchedulingDisabled" : ""}`,
    },
    {
      name: "Roles",
      type: "string",
      description: "The roles of the node",
      priority: 0,
      cell: (o) => {
        const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) => k.slice("node-role.kubernetes.io/".length)).filter(Boolean);
        return roles.length ? roles.sort().join(",") : "<none>";
      },
    },
    ageColumn,
    { name: "Version", type: "string", description: "The agent's version", priority: 0, cell: (o) => nodeInfo(o).kubeletVersion ?? "" },
    {
      name: "Internal-IP",
      type: "string",
      description: "The node's internal address",
      priority: 1,
      cell: (o) => status(o).addresses?.find((a) => a.type === "InternalIP")?.address ?? "<none>",
    },
    { name: "OS-Image", type: "string", description: "The node's operating system", priority: 1, cell: (o) => nodeInfo(o).osImage ?? "" },
    { name: "Kernel-Version", type: "string", description: "The node's kernel", priority: 1, cell: (o) => nodeInfo(o).kernelVersion ?? "" },
    { name: "Container-Runtime", type: "string", description: "The node's container engine", priority: 1, cell: (o) => nodeInfo(o).containerRuntimeVersion ?? "" },
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  subresources: { status: true },
  selectableFields: (o) => ({ "spec.unschedulable": spec(o).unschedulable ? "true" : "false" }),
  validate(obj) {
    return taintErrors(obj);
  },
};
