// The rooms a browser may join for live updates, each guarded by the action needed to see what is broadcast to it.
// Shared by the use cases that publish (lib/) and the gateway that admits browsers (server/browser-gateway.ts).
import type { Action } from "@/lib/auth/policy";

// activity: the live tail of the activity record (each new row's id; the page reads it through GET /api/v1/activity).
export const ROOMS = { hosts: "hosts.read", containers: "containers.read", activity: "activity.read" } as const satisfies Record<string, Action>;
export type BrowserRoom = keyof typeof ROOMS;

/** How lib's use cases reach the browsers: the server sets one at start (lib/server-context), lib never imports it. */
export interface RealtimePublisher {
  /** Sends an event to every browser subscribed to a room. */
  publish(room: BrowserRoom, event: string, payload: unknown): void;
}
