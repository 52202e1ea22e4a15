// `docker network connect` / `disconnect` as one use case over the container and network engines: the container's
// record remembers the network with its endpoint settings (so it is joined again at every start), and a running
// container gets (or loses) its endpoint now. The Engine API (docker-api/networks.ts) and the control plane's commands
// (commands/run-command.ts) both call these, so the rule lives once.
import type { NetworkService } from "../network/network-service";
import type { NetworkInfo } from "../network/types";
import { attachOptions, normalizeEndpointConfig, recordEndpoint, rememberEndpoint } from "./endpoints";
import type { ContainerService } from "./service";

export interface AttachmentChange {
  network: NetworkInfo;
  containerId: string;
  containerName: string;
}

/** `endpointConfig`: dockerd's EndpointConfig as given (Aliases, IPAMConfig, …), checked here. */
export async function connectNetwork(
  containers: ContainerService,
  net: NetworkService,
  networkRef: string,
  containerRef: string,
  endpointConfig: unknown,
): Promise<AttachmentChange> {
  const c = containers.get(containerRef);
  const n = await net.inspect(networkRef);
  const cfg = normalizeEndpointConfig(endpointConfig, n.name);
  if (c.State.Running) recordEndpoint(c, await net.attach(c.Id, net.netnsPathOf(c.Id), n.id, attachOptions(c, cfg, false)));
  c.RequestedNetworks[n.name] = cfg;
  if (c.State.Running) rememberEndpoint(c, n.name, n.id);
  containers.persist(c);
  return { network: n, containerId: c.Id, containerName: c.Name.replace(/^\//, "") };
}

export async function disconnectNetwork(containers: ContainerService, net: NetworkService, networkRef: string, containerRef: string): Promise<AttachmentChange> {
  const c = containers.get(containerRef);
  const n = await net.inspect(networkRef);
  if (c.State.Running) await net.detach(c.Id, n.id);
  delete c.RequestedNetworks[n.name];
  delete c.Networks[n.name];
  containers.persist(c);
  return { network: n, containerId: c.Id, containerName: c.Name.replace(/^\//, "") };
}
