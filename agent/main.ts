// gantry-agent: the composition root. Reads the configuration, joins the control plane once with a join token (the
// credential is kept under GANTRY_ROOT/agent, mode 0600), then holds the link: hello with facts, heartbeats,
// reconnects. Without a control plane it runs standalone. SIGTERM/SIGINT stop it cleanly. `--help` prints AGENT_USAGE;
// `gantry-agent uninstall` removes what it made on the host (agent/uninstall.ts).
//   exit 0: stopped; 1: bad configuration or unexpected failure; 2: refused by the control plane (reason printed)
import { mkdirSync } from "node:fs";
import { AGENT_USAGE, ConfigError, loadAgentConfig } from "./config";
import { uninstallAgent } from "./uninstall";
import { systemClock } from "./clock";
import { collectFacts } from "./facts";
import { CredentialStore } from "./credential-store";
import { JoinRefused, joinWithToken } from "./join";
import { AgentLink, LinkRefused } from "./link";
import { fetchPinnedCertificate, pinnedTlsOptions, PinMismatch } from "./tls-pin";
import { agentVersion } from "./version";
import { createImageEngine } from "./images/engine";
import { startEngineApi } from "./docker-api/index";
import { startContainerEngine } from "./containers/engine";
import { withImageEvents } from "./containers/image-events";
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
      await uninstallAgent(argv.slice(1), process.env, log);
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

  // The Docker-compatible Engine API over the image engine, standalone or connected (its socket goes when we exit).
  const engine = createImageEngine({ root: config.root });
  // The cluster's Services: the proxy's rules (kept while the agent is down) and the cluster names its DNS answers.
  const services = new AgentServices({ prefix: servicesChainPrefix(process.env), log });
  const containerEngine = await startContainerEngine({ ...engine, root: config.root, runtime: config.engineBinary, log, clusterNames: services.resolver });
  const images = withImageEvents(engine.images, containerEngine.events);
  // What a burst of work freed (V8's compiler zones, buffers, the arenas of libuv's threads) goes back to the kernel
  // instead of staying with glibc for the next burst: ~5 MB after making 100 containers (bench/agent-memory.ts).
  setInterval(() => hostSys().trimMemory(), 30_000).unref();
  await startEngineApi({ ...engine, images, containers: containerEngine, socketPath: config.dockerSocket, root: config.root, engineBinary: config.engineBinary, agentVersion: version, log }).catch(
    (e) => fail(`cannot serve the Docker API on ${config.dockerSocket}: ${(e as Error).message}`, 1),
  );

  // The pods the control plane placed here: taken up again at once (a host cut off from the control plane keeps
  // running them); hostPath volumes and image pulls follow the same host rules as the control plane's commands.
  const binds = bindRulesFor(config);
  const podNet = (podNetwork = new PodNetwork({ root: config.root, networks: containerEngine.networks, log }));
  await podNet.restore();
  const pods = new PodManager({
    root: config.root,
    containers: containerEngine.containers,
    images,
    execs: containerEngine.execs,
    events: containerEngine.events,
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

  const link = new AgentLink({
    serverUrl,
    credential: identity!.credential,
    tls: identity!.pin ? pinnedTlsOptions(identity!.pin) : undefined,
    facts,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    clock: systemClock,
    random: Math.random,
    log,
    onCommand: (req) =>
      handleCommandRequest(
        {
          containers: containerEngine.containers,
          images,
          networks: containerEngine.networks,
          volumes: containerEngine.volumes,
          events: containerEngine.events,
          root: config.root,
          binds,
        },
        req,
        log,
      ),
    inventory: {
      snapshot: () => inventorySnapshot({ containers: containerEngine.containers, images }),
      subscribe: (onChange) => containerEngine.events.subscribe((e) => void ((e.Type === "container" || e.Type === "image") && onChange())),
    },
    // Exec sessions for streams are the Engine API's own exec service (one scratch directory, one set of sessions).
    streams: new AgentStreams({ containers: containerEngine.containers, execs: containerEngine.execs, images, log, allowedLoopbackRegistries: config.allowedLoopbackRegistries }),
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

main().then(
  () => process.exit(0),
  (e) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e), 1),
);
