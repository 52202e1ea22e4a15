// Pushes a host change to every browser subscribed to the "hosts" room (and to those who see only this host). A no-op outside the control-plane process
// (scripts, tests calling lib functions directly).
import { serverContext } from "@/lib/server-context";
import type { HostView } from "./host-view";

export type HostEventType = "joined" | "status" | "updated" | "revoked";
export const HOST_EVENT = "host";
export interface HostEvent {
  type: HostEventType;
  host: HostView;
}

export function publishHostEvent(type: HostEventType, host: HostView) {
  const ctx = serverContext.maybe();
  if (!ctx) return;
  ctx.publisher.publish("hosts", HOST_EVENT, { type, host } satisfies HostEvent, host.id);
}
