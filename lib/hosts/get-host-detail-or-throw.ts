// One host by id with its place on the pod network and its Node (cordoned or not) — GET /api/v1/hosts/{id}, the host
// page — or a 404.
import { getHostPodNetwork, type HostPodNetwork } from "@/lib/network/get-host-pod-network";
import { getHostOrThrow } from "./get-host-or-throw";
import { hostNode } from "./drain-host";
import type { HostView } from "./host-view";

export type HostNode = Awaited<ReturnType<typeof hostNode>>;

export async function getHostDetailOrThrow(id: number): Promise<HostView & { podNetwork: HostPodNetwork; node: HostNode }> {
  const host = await getHostOrThrow(id);
  const [podNetwork, node] = await Promise.all([getHostPodNetwork(id), hostNode(host)]);
  return { ...host, podNetwork, node };
}
