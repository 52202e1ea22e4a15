// Tells every browser subscribed to the "containers" room — and those who see only this host — that a host's containers
// changed (its inventory was just recorded): pages re-read what they show. A no-op outside the control-plane process.
import { serverContext } from "@/lib/server-context";
import { CONTAINER_EVENT, type ContainerEvent } from "@/lib/containers/container-event";

export function publishContainerEvent(event: ContainerEvent) {
  const ctx = serverContext.maybe();
  if (!ctx) return;
  ctx.publisher.publish("containers", CONTAINER_EVENT, event, event.hostId);
}
