// The agent's event stream (what `docker events` shows): containers, images, networks and volumes publish here, the
// Engine API's GET /events subscribes. A bounded backlog answers `since` for events that already happened.
import { EventEmitter } from "node:events";

export type EventType = "container" | "image" | "network" | "volume";

export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
}

const BACKLOG = 1024;

export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly backlog: EngineEvent[] = [];

  constructor(private readonly now: () => number = Date.now) {
    this.emitter.setMaxListeners(0);
  }

  publish(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const ms = this.now();
    const ev: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: "local",
      time: Math.floor(ms / 1000),
      timeNano: ms * 1_000_000 + (process.hrtime()[1] % 1_000_000),
    };
    this.backlog.push(ev);
    if (this.backlog.length > BACKLOG) this.backlog.shift();
    this.emitter.emit("event", ev);
    return ev;
  }

  /** Events already published at or after `sinceNano`. */
  since(sinceNano: number): EngineEvent[] {
    return this.backlog.filter((e) => e.timeNano >= sinceNano);
  }

  subscribe(fn: (e: EngineEvent) => void): () => void {
    this.emitter.on("event", fn);
    return () => this.emitter.off("event", fn);
  }
}
