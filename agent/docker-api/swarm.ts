// Swarm mode's endpoints (/swarm, /nodes, /services, /tasks, /secrets, /configs), answered as dockerd answers them on
// a node that is not part of a swarm: 503 "not a swarm manager" (what clients such as compose and the docker CLI read
// as "no swarm here"), "not part of a swarm" for a leave, and the same parameter checks dockerd makes first. Gantry
// does not implement swarm mode, so init and join are refused as not implemented rather than pretended.
import { ApiError, badParameter, notImplemented } from "./errors";
import type { Ctx } from "./http";
import type { Route } from "./server";

export const NOT_A_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const notAManager = () => new ApiError(503, NOT_A_MANAGER);

/** A route whose `{id}` is one path segment (dockerd answers /nodes/x/y with "page not found"). */
function segmentRoute(method: string, path: string, handler: (ctx: Ctx) => void): Route {
  const pattern = new RegExp("^" + path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[a-z]+\}/g, "([^/]+)") + "$");
  return { method, pattern, handler };
}

/** dockerd parses `version` before it looks for a swarm: an update without a valid one is a 400. */
function requireVersion(ctx: Ctx, kind: string, goStyle: boolean) {
  const v = ctx.query.get("version") ?? "";
  if (/^[0-9]+$/.test(v)) return;
  throw badParameter(goStyle ? `invalid ${kind} version '${v}': strconv.ParseUint: parsing "${v}": invalid syntax` : `invalid ${kind} version`);
}

/** Service and task logs need a stream chosen before anything else is looked at. */
function requireStream(ctx: Ctx) {
  const on = (name: string) => /^(1|true)$/i.test(ctx.query.get(name) ?? "");
  if (!on("stdout") && !on("stderr")) throw badParameter("Bad parameters: you must choose at least one stream");
}

export function swarmRoutes(): Route[] {
  const refuse = () => {
    throw notAManager();
  };
  const routes: Route[] = [
    segmentRoute("GET", "/swarm", refuse),
    segmentRoute("POST", "/swarm/init", () => {
      throw notImplemented("Gantry does not implement swarm mode: this node cannot initialize a swarm");
    }),
    segmentRoute("POST", "/swarm/join", () => {
      throw notImplemented("Gantry does not implement swarm mode: this node cannot join a swarm");
    }),
    segmentRoute("POST", "/swarm/leave", () => {
      throw new ApiError(503, "This node is not part of a swarm");
    }),
    segmentRoute("POST", "/swarm/update", (ctx) => {
      requireVersion(ctx, "swarm", true);
      refuse();
    }),
    segmentRoute("GET", "/swarm/unlockkey", refuse),
    segmentRoute("POST", "/swarm/unlock", refuse),
  ];
  for (const [collection, kind, goStyle] of [
    ["nodes", "node", true],
    ["services", "service", true],
    ["tasks", "task", true],
    ["secrets", "secret", false],
    ["configs", "config", false],
  ] as const) {
    routes.push(segmentRoute("GET", `/${collection}`, refuse));
    routes.push(segmentRoute("GET", `/${collection}/{id}`, refuse));
    if (collection === "tasks") {
      routes.push(segmentRoute("GET", "/tasks/{id}/logs", (ctx) => (requireStream(ctx), refuse())));
      continue;
    }
    if (collection !== "nodes") routes.push(segmentRoute("POST", `/${collection}/create`, refuse));
    routes.push(segmentRoute("DELETE", `/${collection}/{id}`, refuse));
    routes.push(segmentRoute("POST", `/${collection}/{id}/update`, (ctx) => (requireVersion(ctx, kind, goStyle), refuse())));
    if (collection === "services") routes.push(segmentRoute("GET", "/services/{id}/logs", (ctx) => (requireStream(ctx), refuse())));
  }
  return routes;
}
