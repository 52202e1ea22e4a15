// gantry-agent: the composition root, the one place the agent is wired. Reads the configuration (agent/config.ts),
// builds the engines — images and snapshots, the event bus, the network and volume engines, containers (re-adopting
// running ones), exec, healthchecks — hands them to the adapters (the Docker Engine API on GANTRY_DOCKER_SOCKET, the
// control plane's commands and streams, the pods), which depend on the core and are never imported by it; then joins
// the control plane once with a join token (the credential is kept under GANTRY_ROOT/agent, mode 0600) and holds the
// link: hello with facts, heartbeats, reconnects. Without a control plane it runs standalone. SIGTERM/SIGINT stop it
// cleanly. `--help` prints AGENT_USAGE; `gantry-agent uninstall` removes what it made on the host (agent/uninstall.ts,
// over engines built here).
//   exit 0: stopped; 1: bad configuration or unexpected failure; 2: refused by the control plane (reason printed)
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { AGENT_USAGE, ConfigError, loadAgentConfig, networkOptions, runtimeBinary } from "./config";
import { uninstallAgent } from "./uninstall";
import { systemClock } from "./clock";
import { collectFacts } from "./facts";
import { CredentialStore } from "./credential-store";
import { AgentMetrics } from "./metrics";
import { JoinRefused, joinWithToken } from "./join";
import { AgentLink, LinkRefused } from "./link";
import { fetchPinnedCertificate, pinnedTlsOptions, PinMismatch } from "./tls-pin";
import { agentVersion } from "./version";
import { createImageEngine, type ImageEngine } from "./images/engine";
import { withImageEvents } from "./containers/image-events";
import { EventBus } from "./events";
import { NetworkService } from "./network/network-service";
import type { Resolver } from "./network/dns";
import { VolumeService } from "./volumes/volume-service";
import { ContainerService } from "./containers/service";
import { ExecService } from "./containers/exec";
import { ContainerHealth, execProbeRunner } from "./containers/health";
import { Builder } from "./image-builder/builder";
import { reapBuildLeftovers } from "./image-builder/leftovers";
import { RuntimeClient } from "./runtime/runtime";
import { archiveRoutes } from "./docker-api/archive";
import { containerRoutes } from "./docker-api/containers";
import { storageRoutes } from "./docker-api/container-files";
import { eventRoutes } from "./docker-api/events";
import { execRoutes } from "./docker-api/exec";
import { networkRoutes } from "./docker-api/networks";
import { volumeRoutes } from "./docker-api/volumes";
import { buildRoutes } from "./docker-api/build";
import { imageRoutes } from "./docker-api/images";
import { pluginRoutes } from "./docker-api/plugins";
import { swarmRoutes } from "./docker-api/swarm";
import { SocketInUseError, startDockerApi, type DockerApiServer } from "./docker-api/server";
import { goArch, systemRoutes } from "./docker-api/system";
import { handleCommandRequest, inventorySnapshot } from "./commands/run-command";
import { AgentStreams } from "./commands/streams";
import { bindRulesFor, checkBindSource } from "./commands/bind-rules";
import { checkPullRegistry } from "./commands/registry-rules";
import { PodManager } from "./pods/manager";
import { AgentServices, servicesChainPrefix } from "./services/agent-services";
import { PodNetwork } from "./network/overlay";
import { dirname, join } from "node:path";
import { hostSys } from "../native/node/sys";

const log = (msg: string) => console.log(`[gantry-agent] ${msg}`);
const fail = (msg: string, code: number): never => {
  console.error(`[gantry-agent] error: ${msg}`);
  process.exit(code);
};

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === "help" || argv.includes("--help") || argv.includes("-h")) {
    console.log(AGENT_USAGE);
    return;
  }
  if (argv[0] === "uninstall") {
    try {
      await uninstallAgent(argv.slice(1), process.env, log, (root) => startEngines({ root, engineBinary: runtimeBinary(process.env), log, env: process.env }));
    } catch (e) {
      if (e instanceof ConfigError) fail(e.message, 1);
      throw e;
    }
    return;
  }
  let config;
  try {
    config = loadAgentConfig(argv);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 1);
    throw e;
  }
  const version = agentVersion();
  mkdirSync(config.root, { recursive: true });
  log(`gantry-agent ${version}, state in ${config.root}`);
  // Where this host is on the pod overlay goes with the facts (agent/network/overlay.ts; made below, with the engine).
  let podNetwork: PodNetwork | null = null;
  const facts = async () => {
    const f = await collectFacts({ root: config.root, engineBinary: config.engineBinary, agentVersion: version });
    const network = await podNetwork?.facts();
    return network ? { ...f, network } : f;
  };

  let stopRequested = false;
  let onStop = () => {};
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.on(sig, () => {
      log(`${sig}: stopping`);
      stopRequested = true;
      onStop();
    });
  }

  // The cluster's Services: the proxy's rules (kept while the agent is down) and the cluster names its DNS answers.
  const services = new AgentServices({ prefix: servicesChainPrefix(process.env), log });
  const engines = await startEngines({ root: config.root, engineBinary: config.engineBinary, log, clusterNames: services.resolver });
  const images = withImageEvents(engines.image.images, engines.events);
  // What a burst of work freed (V8's compiler zones, buffers, the arenas of libuv's threads) goes back to the kernel
  // instead of staying with glibc for the next burst: ~5 MB after making 100 containers (bench/agent-memory.ts).
  setInterval(() => hostSys().trimMemory(), 30_000).unref();
  // The Docker-compatible Engine API, standalone or connected (its socket goes when we exit).
  await serveEngineApi({ engines, images, socketPath: config.dockerSocket, root: config.root, engineBinary: config.engineBinary, agentVersion: version }).catch(
    (e) => fail(`cannot serve the Docker API on ${config.dockerSocket}: ${(e as Error).message}`, 1),
  );

  // The pods the control plane placed here: taken up again at once (a host cut off from the control plane keeps
  // running them); hostPath volumes and image pulls follow the same host rules as the control plane's commands.
  const binds = bindRulesFor(config);
  const podNet = (podNetwork = new PodNetwork({ root: config.root, networks: engines.networks, log }));
  await podNet.restore();
  const pods = new PodManager({
    root: config.root,
    containers: engines.containers,
    images,
    execs: engines.execs,
    events: engines.events,
    pauseBinary: join(dirname(config.engineBinary), "gantry-pause"),
    checkHostPath: (path, field) => checkBindSource(path, binds, field),
    checkPull: (ref) => checkPullRegistry(ref, config.allowedLoopbackRegistries),
    podNetwork: () => podNet.view(),
    log,
  });
  await pods.start();

  const store = new CredentialStore(config.root);
  let stored;
  try {
    stored = store.read();
  } catch (e) {
    fail((e as Error).message, 1);
  }
  const serverUrl = config.serverUrl ?? stored?.serverUrl ?? null;
  if (!serverUrl) {
    log("no control plane configured (GANTRY_SERVER_URL or --server): running standalone");
    await new Promise<void>((resolve) => {
      const keepAlive = setInterval(() => {}, 1 << 30);
      onStop = () => {
        clearInterval(keepAlive);
        pods.close();
        resolve();
      };
      if (stopRequested) onStop();
    });
    return;
  }

  podNet.setServer(serverUrl);
  let identity = stored;
  const sameServer = stored && (stored.serverUrl === null || stored.serverUrl === serverUrl);
  if (config.joinToken && (!stored || !sameServer)) {
    try {
      const joined = await joinWithToken(serverUrl, config.joinToken, await facts(), { clock: systemClock, random: Math.random, log, fingerprint: config.fingerprint });
      store.save({ credential: joined.credential, serverUrl, hostId: joined.hostId, pin: joined.pin });
      identity = { credential: joined.credential, serverUrl, hostId: joined.hostId, pin: joined.pin };
      log(`joined ${serverUrl} as host ${joined.hostId} (${joined.name}); credential stored in ${store.credentialPath}`);
      if (joined.pin) log(`pinned the control plane's certificate (SHA-256 ${joined.pin.fingerprint}) in ${store.certificatePath}`);
    } catch (e) {
      fail((e as Error).message, e instanceof JoinRefused ? 2 : 1);
    }
  } else if (config.joinToken) {
    log(`already joined ${serverUrl}${stored?.hostId ? ` as host ${stored.hostId}` : ""}; the join token is not needed and was not used`);
  }
  if (!identity) {
    fail(`this machine has not joined ${serverUrl} yet: give a join token (--token or GANTRY_JOIN_TOKEN; "Add host" in the web UI makes one)`, 1);
  }
  // A fingerprint given to an agent that already joined re-pins: the operator vouches for the control plane's new certificate.
  if (identity && config.fingerprint && identity.pin?.fingerprint !== config.fingerprint) {
    try {
      const pin = await fetchPinnedCertificate(serverUrl, config.fingerprint);
      identity = { ...identity, serverUrl, pin };
      store.save({ credential: identity.credential, serverUrl, hostId: identity.hostId, pin });
      log(`pinned the control plane's certificate (SHA-256 ${pin.fingerprint}) in ${store.certificatePath}`);
    } catch (e) {
      fail(e instanceof PinMismatch ? `not connecting to ${serverUrl}: ${e.message}` : `cannot fetch ${serverUrl}'s certificate to pin it: ${(e as Error).message}`, e instanceof PinMismatch ? 2 : 1);
    }
  }
  if (stopRequested) return;

  const metrics = new AgentMetrics(engines.containers);
  const link = new AgentLink({
    serverUrl,
    credential: identity!.credential,
    onCredential: (credential) => {
      identity = { ...identity!, credential };
      store.save({ credential, serverUrl, hostId: identity.hostId, pin: identity.pin });
    },
    tls: identity!.pin ? pinnedTlsOptions(identity!.pin) : undefined,
    facts,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    clock: systemClock,
    random: Math.random,
    log,
    onCommand: (req) =>
      handleCommandRequest(
        {
          containers: engines.containers,
          images,
          networks: engines.networks,
          volumes: engines.volumes,
          events: engines.events,
          root: config.root,
          binds,
          metrics,
        },
        req,
        log,
      ),
    inventory: {
      snapshot: () => inventorySnapshot({ containers: engines.containers, images }),
      subscribe: (onChange) => engines.events.subscribe((e) => void ((e.Type === "container" || e.Type === "image") && onChange())),
    },
    // Exec sessions for streams are the Engine API's own exec service (one scratch directory, one set of sessions).
    streams: new AgentStreams({ containers: engines.containers, execs: engines.execs, images, log, allowedLoopbackRegistries: config.allowedLoopbackRegistries }),
    pods,
    services,
    network: {
      sync: async (raw) => {
        const reply = await podNet.sync(raw);
        if (reply.ok) pods.kickAll();
        return reply;
      },
    },
  });
  onStop = () => {
    pods.close();
    services.close();
    link.stop();
  };
  try {
    await link.run();
  } catch (e) {
    if (e instanceof LinkRefused) fail(e.message, 2);
    throw e;
  }
}

/** The engines one GANTRY_ROOT holds, built once; the adapters receive them. */
interface Engines {
  image: ImageEngine;
  events: EventBus;
  containers: ContainerService;
  /** The network engine, started on first use (null when it cannot start on this host). */
  networks: () => Promise<NetworkService | null>;
  volumes: VolumeService;
  /** The one exec service (the Engine API's exec, the control plane's exec streams and the healthchecks share it). */
  execs: ExecService;
  health: ContainerHealth;
}

/**
 * Images and snapshots, the event bus, the network and volume engines (started first, told which containers exist so
 * they reap only what is orphaned), the containers (re-adopting running ones), exec and healthchecks.
 */
async function startEngines(o: {
  root: string;
  engineBinary: string;
  log: (msg: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Cluster names for the embedded DNS (agent/services): answered on every address it listens on. */
  clusterNames?: Resolver;
}): Promise<Engines> {
  const { root, log } = o;
  const image = createImageEngine({ root });
  const events = new EventBus();
  const recorded = (id: string) => existsSync(join(root, "containers", id, "config.json"));
  // The network engine changes the host (a bridge, iptables chains): it starts when the first container or network
  // needs it, or at once when this agent already has containers or networks to re-adopt.
  const service = new NetworkService({ ...networkOptions(root, log, o.env), ...(o.clusterNames ? { clusterNames: o.clusterNames } : {}) });
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
    runtime: o.engineBinary,
    monitor: join(dirname(o.engineBinary), "gantry-monitor"),
    images: image.images,
    snapshots: image.snapshots,
    networks,
    volumes,
    events,
    log,
  });
  await containers.load();
  const execs = new ExecService(containers, join(root, "containers", ".exec"));
  const health = new ContainerHealth({ containers, events, runner: (id) => execProbeRunner(execs, id), log });
  return { image, events, containers, networks, volumes, execs, health };
}

/**
 * The Docker-compatible Engine API over the engines: containers, exec, events, volumes, networks and container files;
 * system routes, images, save/load and build. Null (with a log line) when another live process serves that socket.
 * Step containers, snapshots and scratch directories an interrupted build left are reaped first.
 */
async function serveEngineApi(o: { engines: Engines; images: ImageEngine["images"]; socketPath: string; root: string; engineBinary: string; agentVersion: string }): Promise<DockerApiServer | null> {
  const { engines, images } = o;
  const { snapshots } = engines.image;
  const stateDir = join(o.root, "build");
  const scratchDir = join(stateDir, "tmp");
  // Build steps run under their own runtime root, apart from the containers'.
  const runtime = new RuntimeClient(o.engineBinary, join(stateDir, "runtime"));
  await reapBuildLeftovers({ runtime, snapshots, scratchDir, log });
  const builder = new Builder({ images, snapshots, runtime, stateDir, platform: { os: "linux", architecture: goArch() }, log, networks: engines.networks });
  const { containers, execs, events, volumes, networks } = engines;
  const routes = [
    ...containerRoutes(containers),
    ...execRoutes(execs),
    ...eventRoutes(events),
    ...volumeRoutes(volumes, events),
    ...networkRoutes(networks, containers, events),
    ...storageRoutes({ containers, images, snapshots, volumes, events }),
    ...systemRoutes({
      root: o.root,
      engineBinary: o.engineBinary,
      agentVersion: o.agentVersion,
      imageCount: async () => (await images.list()).length,
      containerStates: () => containers.list().map((c) => c.State.Status),
    }),
    ...archiveRoutes(images, scratchDir),
    ...imageRoutes(images),
    ...buildRoutes(builder, scratchDir),
    ...swarmRoutes(),
    ...pluginRoutes(),
  ];
  try {
    const server = await startDockerApi({ socketPath: o.socketPath, routes, log });
    log(`Docker API listening on unix://${o.socketPath}`);
    return server;
  } catch (e) {
    if (!(e instanceof SocketInUseError)) throw e;
    log(`not serving the Docker API: ${e.message} (set GANTRY_DOCKER_SOCKET to another path)`);
    return null;
  }
}

main().then(
  () => process.exit(0),
  (e) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e), 1),
);
