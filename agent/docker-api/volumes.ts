// Volume routes over VolumeService: create, ls, inspect, rm, prune, in dockerd's shapes.
import type { EventBus } from "../events";
import type { VolumeInfo, VolumeService } from "../volumes/volume-service";
import { parseFilters, queryBool, readJson, sendEmpty, sendJson } from "./http";
import { route, type Route } from "./server";

export function volumeWire(v: VolumeInfo) {
  return {
    CreatedAt: v.createdAt, Driver: v.driver, Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: v.options,
    Scope: v.scope, UsageData: { RefCount: v.usedBy.length, Size: -1 },
  };
}

export function volumeRoutes(vols: VolumeService, events: EventBus): Route[] {
  return [
    route("GET", "/volumes", async ({ res, query }) => {
      const f = parseFilters(query, ["dangling", "name", "label", "driver"]);
      const d = f.get("dangling")?.[0];
      const list = await vols.list({
        ...(d !== undefined ? { dangling: d === "true" || d === "1" } : {}),
        name: f.get("name"), label: f.get("label"), driver: f.get("driver"),
      });
      sendJson(res, 200, { Volumes: list.map(volumeWire), Warnings: [] });
    }),
    route("GET", "/volumes/{name}", async ({ res, params }) => sendJson(res, 200, volumeWire(await vols.inspect(params[0]!)))),
    route("POST", "/volumes/create", async ({ req, res }) => {
      const b = ((await readJson(req)) ?? {}) as { Name?: string; Driver?: string; Labels?: Record<string, string>; DriverOpts?: Record<string, string> };
      const v = await vols.create(b.Name || null, { driver: b.Driver || "local", labels: b.Labels ?? {}, driverOpts: b.DriverOpts ?? {} });
      events.publish("volume", "create", v.name, { driver: v.driver });
      sendJson(res, 201, volumeWire(v));
    }),
    route("DELETE", "/volumes/{name}", async ({ res, params, query }) => {
      await vols.remove(params[0]!, { force: queryBool(query, "force") });
      events.publish("volume", "destroy", params[0]!, { driver: "local" });
      sendEmpty(res, 204);
    }),
    route("POST", "/volumes/prune", async ({ res, query }) => {
      const f = parseFilters(query, ["label", "all"]);
      const all = f.get("all")?.[0];
      const r = await vols.prune({ all: all === "true" || all === "1", label: f.get("label") });
      sendJson(res, 200, { VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed });
    }),
  ];
}
