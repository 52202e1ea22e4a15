// v1 Node, read-only: every Gantry host that has not been revoked, named as the host. Ready follows the host's
// online/stale/offline state; capacity comes from the facts its agent reports. Not stored: projected from the Host table
// on every read (labels, cordon and taints arrive with the scheduler, which will store them).
import { createHash } from "node:crypto";
import { db } from "@/lib/db";
import type { HostFacts } from "@/lib/protocol";
import { rfc3339, type KubeObject } from "../meta";
import type { ObjectSource, ResourceDef } from "../resources";
import { t } from "../schema";
import { ageColumn, nameColumn, typeMeta } from "./common";

interface HostRow {
  id: number;
  name: string;
  status: "online" | "stale" | "offline";
  statusChangedAt: Date;
  lastSeenAt: Date | null;
  facts: unknown;
  agentVersion: string | null;
  engineVersion: string | null;
  createdAt: Date;
}

const HOST_SELECT = { id: true, name: true, status: true, statusChangedAt: true, lastSeenAt: true, facts: true, agentVersion: true, engineVersion: true, createdAt: true } as const;

const GOARCH: Record<string, string> = { x86_64: "amd64", aarch64: "arm64", armv7l: "arm", i686: "386", ppc64le: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

/** A stable uid for a host's Node (a name-based UUID from the host id), so it survives renames and restarts. */
function nodeUid(hostId: number): string {
  const h = createHash("sha1").update(`gantry-host:${hostId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function hostToNode(host: HostRow): KubeObject {
  const facts = host.facts as HostFacts | null;
  const ready = host.status === "online" ? "True" : "Unknown";
  const kib = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;
  const capacity: Record<string, string> = { pods: "110" };
  if (facts) {
    capacity.cpu = String(facts.cpus);
    capacity.memory = kib(facts.memoryBytes);
    capacity["ephemeral-storage"] = kib(facts.disk.totalBytes);
  }
  const arch = facts ? (GOARCH[facts.arch] ?? facts.arch) : undefined;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: host.name,
      uid: nodeUid(host.id),
      creationTimestamp: rfc3339(host.createdAt),
      labels: {
        "kubernetes.io/hostname": host.name,
        "kubernetes.io/os": "linux",
        ...(arch ? { "kubernetes.io/arch": arch, "beta.kubernetes.io/arch": arch } : {}),
        "gantry.dev/host-id": String(host.id),
      },
      annotations: { "gantry.dev/host-status": host.status },
    },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        {
          type: "Ready",
          status: ready,
          reason: host.status === "online" ? "AgentReady" : "NodeStatusUnknown",
          message: host.status === "online" ? "the Gantry agent is connected and beating" : `the Gantry agent is ${host.status}: its heartbeats stopped`,
          lastHeartbeatTime: host.lastSeenAt ? rfc3339(host.lastSeenAt) : null,
          lastTransitionTime: rfc3339(host.statusChangedAt),
        },
      ],
      addresses: facts ? [{ type: "Hostname", address: facts.hostname }] : [],
      nodeInfo: {
        architecture: arch ?? "",
        kernelVersion: facts?.kernel ?? "",
        osImage: facts?.os.prettyName ?? facts?.os.name ?? "",
        operatingSystem: "linux",
        containerRuntimeVersion: `gantry://${host.engineVersion ?? facts?.engineVersion ?? "unknown"}`,
        kubeletVersion: `gantry-agent/${host.agentVersion ?? facts?.agentVersion ?? "unknown"}`,
        kubeProxyVersion: "",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
}

const hostSource: ObjectSource = {
  async list() {
    const hosts = await db.host.findMany({ where: { revokedAt: null }, select: HOST_SELECT, orderBy: { id: "asc" } });
    return hosts.map((h) => hostToNode(h as HostRow));
  },
  async get(name) {
    const host = await db.host.findFirst({ where: { revokedAt: null, name }, select: HOST_SELECT, orderBy: { id: "asc" } });
    return host ? hostToNode(host as HostRow) : null;
  },
};

const nodeCondition = (o: KubeObject) =>
  ((o.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");
const nodeInfo = (o: KubeObject) => ((o.status as { nodeInfo?: Record<string, string> } | undefined)?.nodeInfo ?? {});

export const nodeResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  singular: "node",
  shortNames: ["no"],
  namespaced: false,
  verbs: ["get", "list"],
  description: "Node is a Gantry host: a worker that runs containers. Read-only for now.",
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      spec: t.object({ unschedulable: t.bool("Whether new pods may be placed on this node.") }, { name: "io.k8s.api.core.v1.NodeSpec", description: "The node's desired state." }),
      status: t.any("The node's observed state: conditions, addresses, capacity, nodeInfo. Read-only."),
    },
    { name: "io.k8s.api.core.v1.Node", description: "Node is a Gantry host: a worker that runs containers." },
  ),
  columns: [
    nameColumn,
    {
      name: "Status",
      type: "string",
      description: "The status of the node",
      priority: 0,
      cell: (o) => (nodeCondition(o)?.status === "True" ? "Ready" : "NotReady"),
    },
    { name: "Roles", type: "string", description: "The roles of the node", priority: 0, cell: () => "<none>" },
    ageColumn,
    { name: "Version", type: "string", description: "The agent's version", priority: 0, cell: (o) => nodeInfo(o).kubeletVersion ?? "" },
    {
      name: "Internal-IP",
      type: "string",
      description: "The node's internal address",
      priority: 1,
      cell: () => "<none>",
    },
    { name: "OS-Image", type: "string", description: "The node's operating system", priority: 1, cell: (o) => nodeInfo(o).osImage ?? "" },
    { name: "Kernel-Version", type: "string", description: "The node's kernel", priority: 1, cell: (o) => nodeInfo(o).kernelVersion ?? "" },
    { name: "Container-Runtime", type: "string", description: "The node's container engine", priority: 1, cell: (o) => nodeInfo(o).containerRuntimeVersion ?? "" },
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  source: hostSource,
  validate() {
    return [];
  },
};
