// The container engine's composition: the event bus, the network and volume engines (started first, told which
// containers exist so they reap only what is orphaned), the container lifecycle (re-adopting running containers)
// and exec. agent/main.ts calls this once and hands the result to the adapters (the Engine API, the control plane's
// commands and streams), which depend on it; nothing here knows them.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { EventBus } from "../events";
import type { ImageService } from "../images/image-service";
import { NetworkService, type NetworkServiceOptions } from "../network/network-service";
import type { SnapshotService } from "../snapshots/types";
import type { Resolver } from "../network/dns";
import { VolumeService } from "../volumes/volume-service";
import { ExecService } from "./exec";
import { ContainerHealth, execProbeRunner } from "./health";
import { ContainerService } from "./service";

export interface ContainerEngine {
  events: EventBus;
  containers: ContainerService;
  networks: () => Promise<NetworkService | null>;
  volumes: VolumeService;
  /** The one exec service (the Engine API's exec and the control plane's exec streams share it). */
  execs: ExecService;
  /** Healthchecks of running containers, run through `execs`. */
  health: ContainerHealth;
}

/** The network engine's options from the environment (gantry-agent uninstall builds the same one). */
export function networkOptions(root: string, log: (msg: string) => void, e: NodeJS.ProcessEnv = process.env): NetworkServiceOptions {
  return {
    root,
    dnsUpstreams: "host",
    log,
    ...(e.GANTRY_BRIDGE ? { defaultBridge: e.GANTRY_BRIDGE } : {}),
    ...(e.GANTRY_BRIDGE_SUBNET ? { defaultSubnet: e.GANTRY_BRIDGE_SUBNET } : {}),
    ...(e.GANTRY_NETWORK_POOL ? { userPool: e.GANTRY_NETWORK_POOL } : {}),
    ...(e.GANTRY_CHAIN_PREFIX ? { chainPrefix: e.GANTRY_CHAIN_PREFIX } : {}),
  };
}

export async function startContainerEngine(deps: {
  root: string;
  runtime: string;
  images: ImageService;
  snapshots: SnapshotService;
  log: (msg: string) => void;
  /** Cluster names for the embedded DNS (agent/services): answered on every address it listens on. */
  clusterNames?: Resolver;
}): Promise<ContainerEngine> {
  const { root, log } = deps;
  const events = new EventBus();
  const recorded = (id: string) => existsSync(join(root, "containers", id, "config.json"));
  // The default bridge, its subnet, the user-network pool and the iptables chain prefix can be moved aside
  // (GANTRY_BRIDGE, GANTRY_BRIDGE_SUBNET, GANTRY_NETWORK_POOL, GANTRY_CHAIN_PREFIX), e.g. for a second agent on a host.
  // The network engine changes the host (a bridge, iptables chains): it starts when the first container or network
  // needs it, or at once when this agent already has containers or networks to re-adopt.
  const service = new NetworkService({ ...networkOptions(root, log), ...(deps.clusterNames ? { clusterNames: deps.clusterNames } : {}) });
  let started: Promise<NetworkService | null> | null = null;
  const networks = () =>
    (started ??= service.start({ containerExists: recorded }).then(
      () => service,
      (err) => {
        log(`the network engine did not start (${(err as Error).message}): containers get --network host or none only`);
        return null;
      },
    ));
  const hasState = (dir: string) => existsSync(dir) && readdirSync(dir).some((n) => !n.startsWith("."));
  if (hasState(join(root, "containers")) || hasState(join(root, "networks"))) await networks();
  const volumes = new VolumeService({ root, log });
  await volumes.start({ containerExists: recorded });
  const containers = new ContainerService({
    root,
    runtime: deps.runtime,
    monitor: join(dirname(deps.runtime), "gantry-monitor"),
    images: deps.images,
    snapshots: deps.snapshots,
    networks,
    volumes,
    events,
    log,
  });
  await containers.load();
  const execs = new ExecService(containers, join(root, "containers", ".exec"));
  const health = new ContainerHealth({ containers, events, runner: (id) => execProbeRunner(execs, id), log });
  return { events, containers, networks, volumes, execs, health };
}
