// The rooms a browser may join for live updates, each guarded by the action needed to see what is broadcast to it.
// Shared by the use cases that publish (lib/) and the gateway that admits browsers (server/browser-gateway.ts).
//
// hosts and containers carry events about one host each: someone who may see every host is in the room itself
// ("containers"); someone whose rights cover only some hosts (a host group's role binding) is in one room per host
// ("containers:12") and receives only those hosts' events. activity is fleet-wide.
import type { Action } from "@/lib/auth/policy";

// activity: the live tail of the activity record (each new row's id; the page reads it through GET /api/v1/activity).
export const ROOMS = { hosts: "hosts.read", containers: "containers.read", activity: "activity.read" } as const satisfies Record<string, Action>;
export type BrowserRoom = keyof typeof ROOMS;

/** The rooms whose events are each about one host. */
export const PER_HOST_ROOMS: ReadonlySet<BrowserRoom> = new Set(["hosts", "containers"]);

/** The room of one host's events in a per-host room: "containers:12". */
export const hostRoom = (room: BrowserRoom, hostId: number) => `${room}:${hostId}`;

/** How lib's use cases reach the browsers: the server sets one at start (lib/server-context), lib never imports it. */
export interface RealtimePublisher {
  /** Sends an event to every browser subscribed to a room — for an event about one host (`hostId`), to those who may
   *  see every host and to those who may see that one. */
  publish(room: BrowserRoom, event: string, payload: unknown, hostId?: number): void;
}
