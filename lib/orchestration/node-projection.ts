// What a Gantry host says about its Node, pure — the part a kubelet would post: the labels it owns (hostname, os, arch,
// host id), capacity and allocatable from the facts its agent reports, addresses, nodeInfo, and the Ready condition
// from its heartbeats: online → True; stale or offline → Unknown (its agent stopped beating); never heard from →
// Unknown (never posted). Everything else on the Node (labels a user added, spec.unschedulable, spec.taints) is stored
// and left alone.
import { createHash } from "node:crypto";
import { rfc3339 } from "@/lib/k8s/meta";
import type { HostFacts } from "@/lib/protocol";
import type { Node, NodeCondition } from "./objects";

export interface HostRow {
  id: number;
  name: string;
  status: "online" | "stale" | "offline";
  statusChangedAt: Date;
  lastSeenAt: Date | null;
  facts: unknown;
  agentVersion: string | null;
  engineVersion: string | null;
  createdAt: Date;
  /** The host's pod range (lib/network/allocate-pod-cidr.ts): the Node's spec.podCIDR and spec.podCIDRs. */
  podCIDR?: string | null;
}

export const HOST_ROW_SELECT = { id: true, name: true, status: true, statusChangedAt: true, lastSeenAt: true, facts: true, agentVersion: true, engineVersion: true, createdAt: true } as const;

/** Pods a node takes at most (the kubelet's default --max-pods). */
export const MAX_PODS = "110";
export const HOST_ID_LABEL = "gantry.dev/host-id";
export const HOST_STATUS_ANNOTATION = "gantry.dev/host-status";

const GOARCH: Record<string, string> = { x86_64: "amd64", aarch64: "arm64", armv7l: "arm", i686: "386", ppc64le: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

/** A stable uid for a host's Node (a name-based UUID from the host id). */
export function nodeUid(hostId: number): string {
  const h = createHash("sha1").update(`gantry-host:${hostId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function hostLabels(host: HostRow): Record<string, string> {
  const facts = host.facts as HostFacts | null;
  const arch = facts ? (GOARCH[facts.arch] ?? facts.arch) : undefined;
  return {
    "kubernetes.io/hostname": host.name,
    "kubernetes.io/os": "linux",
    ...(arch ? { "kubernetes.io/arch": arch, "beta.kubernetes.io/arch": arch, "beta.kubernetes.io/os": "linux" } : {}),
    [HOST_ID_LABEL]: String(host.id),
  };
}

export function readyCondition(host: HostRow): NodeCondition {
  const since = rfc3339(host.statusChangedAt);
  const beat = host.lastSeenAt ? rfc3339(host.lastSeenAt) : null;
  if (host.status === "online")
    return { type: "Ready", status: "True", reason: "AgentReady", message: "the Gantry agent is connected and beating", lastHeartbeatTime: beat, lastTransitionTime: since };
  if (!host.lastSeenAt)
    return { type: "Ready", status: "Unknown", reason: "NodeStatusNeverUpdated", message: "the Gantry agent has never reported", lastHeartbeatTime: null, lastTransitionTime: since };
  return { type: "Ready", status: "Unknown", reason: "NodeStatusUnknown", message: `the Gantry agent is ${host.status}: its heartbeats stopped`, lastHeartbeatTime: beat, lastTransitionTime: since };
}

export function hostNodeStatus(host: HostRow): NonNullable<Node["status"]> {
  const facts = host.facts as HostFacts | null;
  const kib = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;
  const capacity: Record<string, string> = { pods: MAX_PODS };
  if (facts) {
    capacity.cpu = String(facts.cpus);
    capacity.memory = kib(facts.memoryBytes);
    capacity["ephemeral-storage"] = kib(facts.disk.totalBytes);
  }
  const arch = facts ? (GOARCH[facts.arch] ?? facts.arch) : "";
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: [readyCondition(host)],
    addresses: facts ? [{ type: "Hostname", address: facts.hostname }] : [],
    nodeInfo: {
      architecture: arch,
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
  };
}

/** A new Node for a host (what registration creates). */
export function newNodeFor(host: HostRow): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: host.name, labels: hostLabels(host), annotations: { [HOST_STATUS_ANNOTATION]: host.status } },
    spec: host.podCIDR ? { podCIDR: host.podCIDR, podCIDRs: [host.podCIDR] } : {},
  };
}
