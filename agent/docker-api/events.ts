// GET /events: the agent's EventBus as dockerd streams it — one JSON object per line (with the legacy status/id/from
// fields the CLI's older formats read), past events from `since`, an end at `until`, and Docker's filters.
import type { EngineEvent, EventBus } from "../events";
import { parseTimeArg } from "../containers/time-arg";
import { parseFilters } from "./http";
import { route, type Route } from "./server";

const FILTERS = ["container", "event", "image", "label", "type", "volume", "network", "scope", "daemon", "plugin", "node", "service", "secret", "config"] as const;

function wire(e: EngineEvent) {
  const legacy = e.Type === "container" ? { status: e.Action, id: e.Actor.ID, from: e.Actor.Attributes.image ?? "" } : {};
  return { ...legacy, ...e };
}

export function eventRoutes(bus: EventBus): Route[] {
  return [
    route("GET", "/events", ({ res, query }) => {
      const since = parseTimeArg(query.get("since"));
      const until = parseTimeArg(query.get("until"));
      const f = parseFilters(query, FILTERS);
      const matches = (e: EngineEvent) => {
        const a = e.Actor.Attributes;
        const any = (k: string, test: (v: string) => boolean) => !f.has(k) || f.get(k)!.some(test);
        return (
          any("type", (v) => v === e.Type) &&
          any("event", (v) => v === e.Action || e.Action.startsWith(`${v}:`)) &&
          any("container", (v) => e.Type === "container" && (e.Actor.ID.startsWith(v) || a.name === v)) &&
          any("image", (v) => (e.Type === "image" && (e.Actor.ID === v || a.name === v)) || a.image === v) &&
          any("network", (v) => e.Type === "network" && (e.Actor.ID.startsWith(v) || a.name === v)) &&
          any("volume", (v) => e.Type === "volume" && e.Actor.ID === v) &&
          (!f.has("label") || f.get("label")!.every((l) => {
            const eq = l.indexOf("=");
            return eq < 0 ? l in a : a[l.slice(0, eq)] === l.slice(eq + 1);
          }))
        );
      };
      res.writeHead(200, { "Content-Type": "application/json" });
      res.flushHeaders();
      const untilNano = until === undefined ? Infinity : until * 1e9;
      const send = (e: EngineEvent) => {
        if (e.timeNano > untilNano || !matches(e)) return;
        res.write(JSON.stringify(wire(e)) + "\n");
      };
      if (since !== undefined) for (const e of bus.since(since * 1e9)) send(e);
      if (until !== undefined && until * 1000 <= Date.now()) return void res.end();
      const off = bus.subscribe(send);
      let timer: NodeJS.Timeout | null = null;
      if (until !== undefined) timer = setTimeout(() => res.end(), until * 1000 - Date.now());
      res.on("close", () => {
        off();
        if (timer) clearTimeout(timer);
      });
    }),
  ];
}
