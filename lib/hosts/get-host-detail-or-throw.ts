// One host by id with its place on the pod network (GET /api/v1/hosts/{id}, the host page), or a 404.
import { getHostPodNetwork, type HostPodNetwork } from "@/lib/network/get-host-pod-network";
import { getHostOrThrow } from "./get-host-or-throw";
import type { HostView } from "./host-view";

export async function getHostDetailOrThrow(id: number): Promise<HostView & { podNetwork: HostPodNetwork }> {
  const host = await getHostOrThrow(id);
  return { ...host, podNetwork: await getHostPodNetwork(id) };
}
