// A control plane with one real agent (its own GANTRY_ROOT, engine and bridge) and a local registry holding a busybox
// image the agent has pulled: the world the API and CLI tests drive. The agent's bridge, chains and address ranges are
// its own (a random tag and /16s no route uses yet), so test files — and several engineers' runs on one machine —
// never share them.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "./control-plane";
import { mintJoinToken, startAgent, uninstallAgent, waitFor, type AgentProcess } from "./agent";
import { GANTRY_RUNTIME } from "./bundle";
import { makeImage, makeLayer, pushImage } from "./images";
import { startRegistry, type TestRegistry } from "./registry";
import { api, setupOwner, signIn, type TestUser } from "./session";
import { fullBusyboxEntries, testNetworking } from "./docker-cli";

export interface FleetHost {
  cp: ControlPlane;
  registry: TestRegistry;
  agent: AgentProcess;
  owner: TestUser;
  ownerCookie: string;
  hostId: number;
  /** registry-host/busybox:latest, already pulled on the host. */
  image: string;
  /** The agent's default bridge and its subnet ("10.x.0.0/16"), chosen for this host. */
  network: { bridge: string; subnet: string };
  /**
   * Stops the control plane (SIGTERM, or SIGKILL as a crash: its embedded PostgreSQL is left running and taken over)
   * and starts it again on the same data, port and configuration; `cp` is the new one once it answers /api/health.
   */
  restartControlPlane(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Ends the agent (SIGKILL: a crash, no goodbye) and starts it again on its root with its stored credential;
   *  `agent` is the new process once it has connected again. */
  restartAgent(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** The docker CLI against this host's agent (its Docker API socket). */
  docker(args: string[]): Promise<string>;
  destroy(): Promise<void>;
}

/**
 * `prefix` (a few letters, e.g. "gri") names whose bridge and chains they are in `ip link` and `iptables -S`; the
 * older `{ bridge, ... }` form is taken for its bridge name's first three letters. `agentEnv`: more of the agent's
 * configuration (e.g. GANTRY_DATA, GANTRY_ALLOWED_BIND_PATHS).
 */
export async function startFleetHost(
  prefix: string | { bridge: string; subnet?: string; pool?: string; chainPrefix?: string },
  opts: {
    agentEnv?: (world: { cp: ControlPlane; registry: TestRegistry; root: string }) => Record<string, string>;
    /** More of the control plane's configuration (e.g. GANTRY_HEARTBEAT_STALE_MS). */
    cpEnv?: Record<string, string>;
  } = {},
): Promise<FleetHost> {
  const work = mkdtempSync(join(tmpdir(), "gantry-fleet-host-"));
  const [cp, registry] = await Promise.all([startControlPlane({ env: opts.cpEnv }), startRegistry("open")]);
  await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(fullBusyboxEntries())], { cmd: ["sh"] }));
  const image = `${registry.host}/busybox:latest`;
  const owner = await setupOwner(cp);
  const ownerCookie = await signIn(cp, owner.email, owner.password);
  const { token } = await mintJoinToken(cp.url, ownerCookie);
  const root = join(work, "root");
  const tn = testNetworking((typeof prefix === "string" ? prefix : prefix.bridge).replace(/[^a-z]/g, "").slice(0, 3) || "gfh");
  const net = { bridge: tn.defaultBridge, subnet: tn.defaultSubnet, pool: tn.userPool, chainPrefix: tn.chainPrefix };
  const agentEnv = {
    GANTRY_RUNTIME,
    GANTRY_BRIDGE: net.bridge,
    GANTRY_BRIDGE_SUBNET: net.subnet,
    GANTRY_NETWORK_POOL: net.pool,
    GANTRY_CHAIN_PREFIX: net.chainPrefix,
    // The test registry listens on loopback: pulls the control plane asks for may use it only when allowed.
    GANTRY_ALLOWED_LOOPBACK_REGISTRIES: registry.host,
    ...opts.agentEnv?.({ cp, registry, root }),
  };
  const agent = startAgent({ root, serverUrl: cp.url, token, env: agentEnv });
  await agent.waitForOutput(/joined .* as host (\d+)/, 60_000);
  const hostId = Number(/joined .* as host (\d+)/.exec(agent.output())![1]);
  await waitFor(`host ${hostId} online`, async () => (await api(cp, ownerCookie).get(`/api/v1/hosts/${hostId}`)).body?.status === "online", 60_000);
  await new Promise<void>((resolve, reject) =>
    execFile("/usr/local/bin/docker", ["pull", "-q", image], { env: { ...process.env, DOCKER_HOST: `unix://${join(root, "docker.sock")}` } }, (e, _o, err) =>
      e ? reject(new Error(err)) : resolve(),
    ),
  );
  const fleet: FleetHost = {
    cp,
    registry,
    agent,
    owner,
    ownerCookie,
    hostId,
    image,
    network: { bridge: net.bridge, subnet: net.subnet },
    async restartControlPlane(signal) {
      const old = fleet.cp;
      await (signal === "SIGKILL" ? old.kill() : old.stop());
      fleet.cp = await startControlPlane({ dataDir: old.dataDir, port: old.port, env: opts.cpEnv });
    },
    async restartAgent(signal) {
      await (signal === "SIGKILL" ? fleet.agent.kill() : fleet.agent.stop());
      fleet.agent = startAgent({ root, serverUrl: fleet.cp.url, env: agentEnv });
      await fleet.agent.waitForOutput(`connected to ${fleet.cp.url}`, 60_000);
    },
    docker: (args) =>
      new Promise<string>((resolve, reject) =>
        execFile("/usr/local/bin/docker", args, { env: { ...process.env, DOCKER_HOST: `unix://${join(root, "docker.sock")}` } }, (e, out, err) =>
          e ? reject(new Error(String(err))) : resolve(String(out)),
        ),
      ),
    async destroy() {
      // Containers outlive their agent by design, and a running agent makes its pods' containers again as they go:
      // the agent stops first, then what it made is uninstalled (containers, pods, bridge, chains), so its root can go.
      try {
        await fleet.agent.stop();
        await uninstallAgent(root, agentEnv);
      } finally {
        // Even when that failed: a control plane or registry left running keeps the test file from ending.
        await Promise.all([fleet.cp.destroy(), registry.stop()]);
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
  return fleet;
}

export interface ExtraAgent {
  agent: AgentProcess;
  hostId: number;
  root: string;
  /** Ends the agent (SIGKILL: no goodbye, or SIGTERM) and starts it again on its root, with its stored credential;
   *  `agent` is the new process once it has connected again. */
  restartAgent(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Stops the agent (if it still runs) and removes its containers, bridge, chains and root. */
  destroy(): Promise<void>;
}

/**
 * One more agent joined to a fleet host's control plane (its own GANTRY_ROOT, bridge, chains and /16s), online and
 * with the fleet's busybox pulled: a second host of the same fleet. On one machine both agents report the same
 * hostname; `name` renames the host (PATCH /api/v1/hosts/:id) so each is its own Node.
 */
export async function joinFleetAgent(fleet: FleetHost, prefix: string, opts: { name?: string } = {}): Promise<ExtraAgent> {
  const work = mkdtempSync(join(tmpdir(), "gantry-fleet-agent-"));
  const root = join(work, "root");
  const { token } = await mintJoinToken(fleet.cp.url, fleet.ownerCookie, fleet.cp.fetch);
  const tn = testNetworking(prefix.replace(/[^a-z]/g, "").slice(0, 3) || "gfa");
  const net = { bridge: tn.defaultBridge, subnet: tn.defaultSubnet, pool: tn.userPool, chainPrefix: tn.chainPrefix };
  const agentEnv = {
    GANTRY_RUNTIME,
    GANTRY_BRIDGE: net.bridge,
    GANTRY_BRIDGE_SUBNET: net.subnet,
    GANTRY_NETWORK_POOL: net.pool,
    GANTRY_CHAIN_PREFIX: net.chainPrefix,
    GANTRY_ALLOWED_LOOPBACK_REGISTRIES: fleet.registry.host,
  };
  const agent = startAgent({ root, serverUrl: fleet.cp.url, token, env: agentEnv });
  await agent.waitForOutput(/joined .* as host (\d+)/, 60_000);
  const hostId = Number(/joined .* as host (\d+)/.exec(agent.output())![1]);
  if (opts.name) {
    const renamed = await api(fleet.cp, fleet.ownerCookie).patch(`/api/v1/hosts/${hostId}`, { name: opts.name });
    if (renamed.status !== 200) throw new Error(`renaming host ${hostId} failed: ${renamed.status} ${JSON.stringify(renamed.body)}`);
  }
  await waitFor(`host ${hostId} online`, async () => (await api(fleet.cp, fleet.ownerCookie).get(`/api/v1/hosts/${hostId}`)).body?.status === "online", 60_000);
  const docker = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile("/usr/local/bin/docker", args, { env: { ...process.env, DOCKER_HOST: `unix://${join(root, "docker.sock")}` } }, (e, out, err) => (e ? reject(new Error(String(err))) : resolve(String(out)))),
    );
  await docker(["pull", "-q", fleet.image]);
  const extra: ExtraAgent = {
    agent,
    hostId,
    root,
    async restartAgent(signal) {
      await (signal === "SIGKILL" ? extra.agent.kill() : extra.agent.stop());
      extra.agent = startAgent({ root, serverUrl: fleet.cp.url, env: agentEnv });
      await extra.agent.waitForOutput(`connected to ${fleet.cp.url}`, 60_000);
    },
    async destroy() {
      // Stopped (or killed) first: then its containers, pods, bridge and chains are uninstalled, even a killed one's.
      await extra.agent.stop();
      await uninstallAgent(root, agentEnv);
      rmSync(work, { recursive: true, force: true });
    },
  };
  return extra;
}
