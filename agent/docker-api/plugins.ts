// /plugins: the managed-plugin API of an engine that has none installed (Gantry has no plugin system). Listing is
// empty, naming a plugin is dockerd's 404 `plugin "x" not found`, and installing one is refused as not implemented.
import { notFoundError, notImplemented } from "./errors";
import { parseFilters, sendJson } from "./http";
import { route, type Route } from "./server";

const notFound = (name: string) => notFoundError(`plugin "${name}" not found`);
const cannotInstall = () => {
  throw notImplemented("Gantry does not support engine plugins: none can be installed");
};

export function pluginRoutes(): Route[] {
  const missing = (ctx: { params: string[] }) => {
    throw notFound(ctx.params[0]!);
  };
  return [
    route("GET", "/plugins", ({ res, query }) => {
      parseFilters(query, ["capability", "enabled"]);
      sendJson(res, 200, []);
    }),
    route("GET", "/plugins/privileges", cannotInstall),
    route("POST", "/plugins/pull", cannotInstall),
    route("POST", "/plugins/create", cannotInstall),
    // Names may hold slashes ("vieux/sshfs:latest"): the action routes come before the bare DELETE.
    route("GET", "/plugins/{name}/json", missing),
    route("POST", "/plugins/{name}/enable", missing),
    route("POST", "/plugins/{name}/disable", missing),
    route("POST", "/plugins/{name}/upgrade", missing),
    route("POST", "/plugins/{name}/push", missing),
    route("POST", "/plugins/{name}/set", missing),
    route("DELETE", "/plugins/{name}", missing),
  ];
}
