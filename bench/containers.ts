// `docker run --rm busybox echo hi` through the real docker CLI: Gantry's agent socket vs dockerd, and 100 containers
// started at once.
//   node --import tsx bench/containers.ts [RUNS]
// A busybox-static image is pushed to Debian's docker-registry on 127.0.0.1 and pulled by both engines. dockerd is
// apt's docker.io (installed here when missing, with a message), started on its own data root, exec root and socket
// under a temp dir with --bridge=none --iptables=false so it leaves the host's networking alone; Gantry's agent runs
// standalone on its own GANTRY_ROOT and socket with its own bridge name and chain prefix. Both run the container with
// `--network none` (dockerd has no bridge here); Gantry's default bridge network is measured as well. RUNS (default
// 50) alternating runs each, after two warm-ups; medians, p90 and the ratio are printed. Then 100 `docker run -d`
// at once on each engine: wall time until all run, and until all are removed again.
import { execFile, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { NetworkService } from "../agent/network/network-service.ts";
import { startRegistry } from "../test/support/registry.ts";
import { busyboxEntries, makeImage, makeLayer, pushImage } from "../test/support/images.ts";
import { Cleanups, DOCKER_CLI, ensureDockerIo, loadAverage, oneDecimal, quantile, runBench, startDockerd, stopChild, waitForPing } from "./support.ts";

const RUNS = Number(process.argv[2] ?? 50);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`RUNS must be a positive integer, got "${process.argv[2]}"`);
const REPO_ROOT = join(import.meta.dirname, "..");
const run = promisify(execFile);
const BENCH_NET = { defaultBridge: "gbench0", defaultSubnet: "10.197.0.0/16", userPool: "10.196.0.0/16", chainPrefix: "GBENCH" };

const cleanups = new Cleanups();

interface Engine {
  name: string;
  env: NodeJS.ProcessEnv;
}

async function startGantry(base: string): Promise<Engine> {
  mkdirSync(base, { recursive: true });
  const sock = join(base, "docker.sock");
  const log = join(base, "agent.log");
  const logFd = openSync(log, "a");
  // As the gantry-agent command runs it (bin/gantry-agent.mjs: the agent's bundle).
  const child = spawn(process.execPath, ["bin/gantry-agent.mjs"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, GANTRY_ROOT: join(base, "root"), GANTRY_DOCKER_SOCKET: sock, GANTRY_SERVER_URL: "", GANTRY_BRIDGE: BENCH_NET.defaultBridge,
      GANTRY_BRIDGE_SUBNET: BENCH_NET.defaultSubnet, GANTRY_NETWORK_POOL: BENCH_NET.userPool, GANTRY_CHAIN_PREFIX: BENCH_NET.chainPrefix },
  });
  closeSync(logFd);
  // Its bridge, chains and namespaces go once it has stopped (pushed first, so undone after the stop below; the network
  // engine leaves them for running containers).
  cleanups.push("remove gantry's bench network", async () => {
    const n = new NetworkService({ root: join(base, "root"), ...BENCH_NET });
    await n.start({ containerExists: () => false }).catch(() => {});
    await n.uninstall();
  });
  cleanups.push("stop gantry-agent", () => stopChild(child, "gantry-agent"));
  await waitForPing({ socket: sock }, child, "gantry-agent", log);
  return { name: "gantry", env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(base, "cli"), DOCKER_CLI_HINTS: "false" } };
}

async function timedRun(e: Engine, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  const { stdout } = await run(DOCKER_CLI, args, { env: e.env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (stdout !== "hi\n") throw new Error(`${e.name}: expected "hi", got ${JSON.stringify(stdout)}`);
  return ms;
}

// The (⌊q·n⌋+1)-th smallest, as the medians and p90s in bench/RESULTS.md were taken.
const at = (xs: number[], q: number) => quantile(xs, q, { next: true });

async function burst(e: Engine, n: number): Promise<{ startMs: number; removeMs: number }> {
  const t0 = Date.now();
  const ids = await Promise.all(
    Array.from({ length: n }, async () => (await run(DOCKER_CLI, ["run", "-d", "-i", "--network", "none", "busybox", "cat"], { env: e.env })).stdout.trim()),
  );
  const running = (await run(DOCKER_CLI, ["ps", "-q", "--no-trunc"], { env: e.env, maxBuffer: 1 << 20 })).stdout.split("\n").filter(Boolean);
  const startMs = Date.now() - t0;
  if (ids.some((id) => !running.includes(id))) throw new Error(`${e.name}: not all ${n} containers are running`);
  const t1 = Date.now();
  await run(DOCKER_CLI, ["rm", "-f", ...ids], { env: e.env, maxBuffer: 1 << 20 });
  return { startMs, removeMs: Date.now() - t1 };
}

async function main() {
  ensureDockerIo();
  const base = mkdtempSync(join(tmpdir(), "gantry-bench-containers-"));
  cleanups.push("remove temp dir", () => rmSync(base, { recursive: true, force: true }));
  const registry = await startRegistry("open");
  cleanups.push("stop registry", () => registry.stop());
  await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(busyboxEntries())], { cmd: ["sh"] }));
  const ref = `${registry.host}/busybox:latest`;
  const gantry = await startGantry(join(base, "gantry"));
  const peer = await startDockerd({ cleanups, base: join(base, "dockerd"), registryHost: registry.host });
  const dockerd: Engine = { name: "dockerd", env: peer.env };
  for (const e of [gantry, dockerd]) {
    execFileSync(DOCKER_CLI, ["pull", "-q", ref], { env: e.env });
    execFileSync(DOCKER_CLI, ["tag", ref, "busybox"], { env: e.env });
  }
  console.log(`dockerd ${peer.docker(["version", "--format", "{{.Server.Version}}"]).trim()}; load average ${loadAverage()}`);

  const none = ["run", "--rm", "--network", "none", "busybox", "echo", "hi"];
  const bridge = ["run", "--rm", "busybox", "echo", "hi"];
  const times: Record<string, number[]> = { gantry: [], dockerd: [], "gantry bridge": [] };
  for (let i = 0; i < 2; i++) for (const e of [gantry, dockerd]) await timedRun(e, none);
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? [dockerd, gantry] : [gantry, dockerd];
    for (const e of order) times[e.name]!.push(await timedRun(e, none));
    times["gantry bridge"]!.push(await timedRun(gantry, bridge));
  }
  for (const [name, xs] of Object.entries(times)) console.log(`${name.padEnd(14)} median ${oneDecimal(at(xs, 0.5))} ms  p90 ${oneDecimal(at(xs, 0.9))} ms  (n=${xs.length})`);
  console.log(`ratio gantry/dockerd (median, --network none): ${(at(times.gantry!, 0.5) / at(times.dockerd!, 0.5)).toFixed(3)}; load average now ${loadAverage()}`);

  for (const e of [gantry, dockerd]) {
    const b = await burst(e, 100);
    console.log(`${e.name}: 100 × docker run -d at once: all running after ${b.startMs} ms; docker rm -f of all: ${b.removeMs} ms`);
  }
}

await runBench(main, cleanups);
