// `gantry-agent uninstall [--root DIR] [--purge]`: removes what the agent of one state directory made on this host —
// its containers (killed and removed, with their mounts, cgroups and anonymous volumes), its bridges, veths, network
// namespaces and iptables chains (the network engine's and the service proxy's), its record among the network owners and its Docker API socket, and the pods it ran
// (their records and volumes: the tmpfs of their secrets unmounted). With --purge the
// state directory goes too (images, volumes, the host credential). Refused while that agent runs.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import type { ContainerService } from "./containers/service";
import type { ContainerHealth } from "./containers/health";
import { NetworkService } from "./network/network-service";
import { removePodDir } from "./pods/volumes";
import { servicesChainPrefix } from "./services/agent-services";
import { ServiceProxy } from "./services/service-proxy";
import { ConfigError, networkOptions, parseFlags } from "./config";

/** What uninstall takes from the engines of a root (agent/main.ts builds them, as for a running agent). */
export interface UninstallEngines {
  containers: ContainerService;
  networks: () => Promise<NetworkService | null>;
  health: ContainerHealth;
}

export async function uninstallAgent(argv: string[], env: NodeJS.ProcessEnv, log: (msg: string) => void, startEngines: (root: string) => Promise<UninstallEngines>): Promise<void> {
  const purge = argv.includes("--purge");
  const { flags, rest } = parseFlags(
    argv.filter((a) => a !== "--purge"),
    ["root"],
  );
  if (rest.length) throw new ConfigError(`unexpected argument "${rest[0]}" (usage: gantry-agent uninstall [--root DIR] [--purge])`);
  const root = resolve(flags.root ?? env.GANTRY_ROOT ?? "/var/lib/gantry");
  const socket = env.GANTRY_DOCKER_SOCKET || "/run/gantry/docker.sock";
  if (await answers(socket)) {
    throw new ConfigError(`the agent is running (its Docker API answers on ${socket}): stop it first, then uninstall`);
  }

  if (existsSync(root)) {
    const containers = await startEngines(root);
    containers.health.close(); // no probes for containers about to go
    for (const c of containers.containers.list()) {
      await containers.containers.remove(c.Id, { force: true, volumes: true });
      log(`removed container ${c.Name.replace(/^\//, "")} (${c.Id.slice(0, 12)})`);
    }
    // The pods' records and volumes, or a later agent on this root would start them again.
    const podsDir = join(root, "pods");
    if (existsSync(podsDir)) {
      for (const uid of readdirSync(podsDir)) await removePodDir(join(podsDir, uid), log);
      rmSync(podsDir, { recursive: true, force: true });
      log("removed the pods' records and volumes");
    }
    const networks = (await containers.networks()) ?? new NetworkService(networkOptions(root, log, env));
    // Its pod bridge and overlay device go with its other links (labelled alike); the kept overlay state here.
    await networks.uninstall();
    rmSync(join(root, "pod-network"), { recursive: true, force: true });
  } else {
    // No records: what is labelled with this root's instance and its chains are still found and removed.
    await new NetworkService(networkOptions(root, log, env)).uninstall();
  }
  // The service proxy's chains (P-SERVICES, P-SVC-*, P-SEP-*, …) and their jumps, found by name.
  await new ServiceProxy({ prefix: servicesChainPrefix(env), log }).removeAll();
  log("removed its bridges, interfaces, network namespaces and iptables chains (the service proxy's too)");
  if (existsSync(socket)) {
    rmSync(socket, { force: true });
    log(`removed the socket ${socket}`);
  }

  if (purge && existsSync(root)) {
    const mounted = mountsUnder(root);
    if (mounted.length) throw new ConfigError(`not removing ${root}: still mounted there: ${mounted.join(", ")}`);
    rmSync(root, { recursive: true, force: true });
    log(`removed the state directory ${root}`);
  } else if (existsSync(root)) {
    log(`kept the state directory ${root} (images, volumes, the host credential): --purge removes it`);
  }
}

/** Whether something accepts connections on the unix socket (a stale socket file refuses them). */
function answers(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((done) => {
    const s = connect(path);
    s.setTimeout(2_000, () => (s.destroy(), done(false)));
    s.once("connect", () => (s.destroy(), done(true)));
    s.once("error", () => done(false));
  });
}

/** Mount points at or under `dir` (this process's view), from /proc/self/mountinfo. */
function mountsUnder(dir: string): string[] {
  const decode = (p: string) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => decode(l.split(" ")[4] ?? ""))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}
