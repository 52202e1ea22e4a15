// The Docker-compatible Engine API, composed: system routes, images, save/load and build over the agent's image
// engine, served on GANTRY_DOCKER_SOCKET. On start, snapshots and scratch dirs left by builds of an agent that died
// are reaped (they are all labelled and named by the builder).
import { execFile } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { Builder } from "../image-builder/builder";
import type { ImageService } from "../images/image-service";
import type { SnapshotService } from "../snapshots/types";
import { archiveRoutes } from "./archive";
import { buildRoutes } from "./build";
import { imageRoutes } from "./images";
import { SocketInUseError, startDockerApi, type DockerApiServer, type Route } from "./server";
import { goArch, systemRoutes } from "./system";

const run = promisify(execFile);

export interface EngineApiDeps {
  socketPath: string;
  root: string;
  engineBinary: string;
  agentVersion: string;
  images: ImageService;
  snapshots: SnapshotService;
  log: (msg: string) => void;
  /** Routes of the container engine (containers, exec, events, networks, volumes); matched before the ones here. */
  extraRoutes?: Route[];
  /** Every container's status, for /info's counts. */
  containerStates?: () => string[];
}

/** Serves the API; null (with a log line) when another live process already serves that socket. */
export async function startEngineApi(deps: EngineApiDeps): Promise<DockerApiServer | null> {
  const stateDir = join(deps.root, "build");
  const scratchDir = join(stateDir, "tmp");
  await reapBuildLeftovers(deps, scratchDir);
  const builder = new Builder({
    images: deps.images,
    snapshots: deps.snapshots,
    runtime: deps.engineBinary,
    stateDir,
    platform: { os: "linux", architecture: goArch() },
    log: deps.log,
  });
  const routes = [
    ...(deps.extraRoutes ?? []),
    ...systemRoutes({
      root: deps.root,
      engineBinary: deps.engineBinary,
      agentVersion: deps.agentVersion,
      imageCount: async () => (await deps.images.list()).length,
      containerStates: deps.containerStates,
    }),
    ...archiveRoutes(deps.images, scratchDir),
    ...imageRoutes(deps.images),
    ...buildRoutes(builder, scratchDir),
  ];
  try {
    const server = await startDockerApi({ socketPath: deps.socketPath, routes, log: deps.log });
    deps.log(`Docker API listening on unix://${deps.socketPath}`);
    return server;
  } catch (e) {
    if (!(e instanceof SocketInUseError)) throw e;
    deps.log(`not serving the Docker API: ${e.message} (set GANTRY_DOCKER_SOCKET to another path)`);
    return null;
  }
}

async function reapBuildLeftovers(deps: EngineApiDeps, scratchDir: string) {
  // Step containers of a build the agent did not see finish (it was killed): stopped and deleted first.
  const runtimeRoot = join(deps.root, "build", "runtime");
  try {
    const { stdout } = await run(deps.engineBinary, ["--root", runtimeRoot, "list", "--format", "json"]);
    for (const c of (JSON.parse(stdout || "[]") as { id: string }[]) ?? []) {
      deps.log(`deleting build step container ${c.id} left by an interrupted build`);
      await run(deps.engineBinary, ["--root", runtimeRoot, "delete", "--force", c.id]).catch((e) => deps.log(`  failed: ${(e as Error).message}`));
    }
  } catch (e) {
    if (existsSync(runtimeRoot)) deps.log(`could not list build step containers: ${(e as Error).message}`);
  }
  try {
    for (const s of await deps.snapshots.list()) {
      if (!s.id.startsWith("build-")) continue;
      deps.log(`removing snapshot ${s.id} left by an interrupted build`);
      await deps.snapshots.remove(s.id);
    }
  } catch (e) {
    deps.log(`could not reap build snapshots: ${(e as Error).message}`);
  }
  await fsp.rm(scratchDir, { recursive: true, force: true });
}
