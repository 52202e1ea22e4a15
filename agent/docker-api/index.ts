// The Docker-compatible Engine API, composed: containers, exec, events, volumes, networks and container files over
// the container engine; system routes, images, save/load and build over the image engine; served on
// GANTRY_DOCKER_SOCKET. An adapter: it depends on the engines, which never import it. On start, snapshots and scratch dirs left by builds of an agent that died
// are reaped (they are all labelled and named by the builder).
import { existsSync, promises as fsp } from "node:fs";
import { join } from "node:path";
import { Builder } from "../image-builder/builder";
import { RuntimeClient } from "../runtime/runtime";
import type { ImageService } from "../images/image-service";
import type { SnapshotService } from "../snapshots/types";
import type { ContainerEngine } from "../containers/engine";
import { archiveRoutes } from "./archive";
import { containerRoutes } from "./containers";
import { storageRoutes } from "./container-files";
import { eventRoutes } from "./events";
import { execRoutes } from "./exec";
import { networkRoutes } from "./networks";
import { volumeRoutes } from "./volumes";
import { buildRoutes } from "./build";
import { imageRoutes } from "./images";
import { pluginRoutes } from "./plugins";
import { swarmRoutes } from "./swarm";
import { SocketInUseError, startDockerApi, type DockerApiServer } from "./server";
import { goArch, systemRoutes } from "./system";

export interface EngineApiDeps {
  socketPath: string;
  root: string;
  engineBinary: string;
  agentVersion: string;
  images: ImageService;
  snapshots: SnapshotService;
  log: (msg: string) => void;
  containers: ContainerEngine;
}

/** Serves the API; null (with a log line) when another live process already serves that socket. */
export async function startEngineApi(deps: EngineApiDeps): Promise<DockerApiServer | null> {
  const stateDir = join(deps.root, "build");
  const scratchDir = join(stateDir, "tmp");
  // Build steps run under their own runtime root, apart from the containers'.
  const runtime = new RuntimeClient(deps.engineBinary, join(stateDir, "runtime"));
  await reapBuildLeftovers(deps, runtime, scratchDir);
  const builder = new Builder({
    images: deps.images,
    snapshots: deps.snapshots,
    runtime,
    stateDir,
    platform: { os: "linux", architecture: goArch() },
    log: deps.log,
    networks: deps.containers.networks,
  });
  const { containers, execs, events, volumes, networks } = deps.containers;
  const routes = [
    ...containerRoutes(containers),
    ...execRoutes(execs),
    ...eventRoutes(events),
    ...volumeRoutes(volumes, events),
    ...networkRoutes(networks, containers, events),
    ...storageRoutes({ containers, images: deps.images, snapshots: deps.snapshots, volumes, events }),
    ...systemRoutes({
      root: deps.root,
      engineBinary: deps.engineBinary,
      agentVersion: deps.agentVersion,
      imageCount: async () => (await deps.images.list()).length,
      containerStates: () => containers.list().map((c) => c.State.Status),
    }),
    ...archiveRoutes(deps.images, scratchDir),
    ...imageRoutes(deps.images),
    ...buildRoutes(builder, scratchDir),
    ...swarmRoutes(),
    ...pluginRoutes(),
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

async function reapBuildLeftovers(deps: EngineApiDeps, runtime: RuntimeClient, scratchDir: string) {
  // Step containers of a build the agent did not see finish (it was killed): stopped and deleted first.
  try {
    for (const c of await runtime.list()) {
      deps.log(`deleting build step container ${c.id} left by an interrupted build`);
      await runtime.delete(c.id, { force: true }).catch((e) => deps.log(`  failed: ${(e as Error).message}`));
    }
  } catch (e) {
    if (existsSync(runtime.root)) deps.log(`could not list build step containers: ${(e as Error).message}`);
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
