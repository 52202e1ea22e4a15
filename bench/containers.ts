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
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { NetworkService } from "../agent/network/network-service.ts";
import { startRegistry } from "../test/support/registry.ts";
import { busyboxEntries, makeImage, makeLayer, pushImage } from "../test/support/images.ts";

const RUNS = Number(process.argv[2] ?? 50);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`RUNS must be a positive integer, got "${process.argv[2]}"`);
const DOCKER_CLI = "/usr/local/bin/docker";
const REPO_ROOT = join(import.meta.dirname, "..");
const run = promisify(execFile);
const BENCH_NET = { defaultBridge: "gbench0", defaultSubnet: "10.197.0.0/16", userPool: "10.196.0.0/16", chainPrefix: "GBENCH" };

const cleanups: { what: string; fn: () => Promise<void> | void }[] = [];
async function cleanup() {
  for (const c of cleanups.reverse()) {
    try {
      await c.fn();
    } catch (e) {
      console.error(`cleanup (${c.what}) failed: ${(e as Error).message}`);
    }
  }
}

function ensureDockerIo() {
  if (spawnSync("dpkg-query", ["-W", "-f", "${Status}", "docker.io"], { encoding: "utf8" }).stdout?.includes("install ok installed")) return;
  console.log("docker.io (dockerd, the peer of this benchmark) is not installed: apt-get install -y --no-install-recommends docker.io");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "docker.io"], { stdio: "inherit", env });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "docker.io"], { stdio: "inherit", env });
  }
  if (r.status !== 0) throw new Error("could not install docker.io with apt-get");
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: "/_ping", timeout: 1000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

async function waitFor(sock: string, child: ChildProcess, log: string) {
  const deadline = Date.now() + 60_000;
  while (!(await ping(sock))) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}):\n${readFileSync(log, "utf8").slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`no answer on ${sock} within 60 s:\n${readFileSync(log, "utf8").slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopOnCleanup(what: string, child: ChildProcess, after?: () => void) {
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  cleanups.push({
    what,
    fn: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
        if (!stopped) {
          child.kill("SIGKILL");
          await exited;
        }
      }
      after?.();
    },
  });
}

interface Engine {
  name: string;
  env: NodeJS.ProcessEnv;
}

async function startDockerd(base: string, registryHost: string): Promise<Engine> {
  mkdirSync(base, { recursive: true });
  const d = { data: join(base, "data"), exec: join(base, "exec"), sock: join(base, "docker.sock"), config: join(base, "daemon.json"), log: join(base, "dockerd.log") };
  writeFileSync(d.config, "{}\n");
  const logFd = openSync(d.log, "a");
  const args = ["--data-root", d.data, "--exec-root", d.exec, "--pidfile", join(base, "dockerd.pid"), "-H", `unix://${d.sock}`, "--config-file", d.config,
    "--bridge=none", "--iptables=false", "--ip-masq=false", "--insecure-registry", registryHost];
  console.log(`starting dockerd ${args.join(" ")}`);
  const child = spawn("dockerd", args, { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  stopOnCleanup("stop dockerd", child, () => {
    const cpid = join(d.exec, "containerd", "containerd.pid");
    if (existsSync(cpid)) {
      const pid = Number(readFileSync(cpid, "utf8").trim());
      if (pid > 0 && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(d.exec)) process.kill(pid, "SIGKILL");
    }
  });
  await waitFor(d.sock, child, d.log);
  return { name: "dockerd", env: { ...process.env, DOCKER_HOST: `unix://${d.sock}`, DOCKER_CONFIG: join(base, "cli"), DOCKER_CLI_HINTS: "false" } };
}

async function startGantry(base: string): Promise<Engine> {
  mkdirSync(base, { recursive: true });
  const sock = join(base, "docker.sock");
  const log = join(base, "agent.log");
  const logFd = openSync(log, "a");
  const child = spawn(process.execPath, ["--import", "tsx", "agent/main.ts"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, GANTRY_ROOT: join(base, "root"), GANTRY_DOCKER_SOCKET: sock, GANTRY_SERVER_URL: "", GANTRY_BRIDGE: BENCH_NET.defaultBridge,
      GANTRY_BRIDGE_SUBNET: BENCH_NET.defaultSubnet, GANTRY_NETWORK_POOL: BENCH_NET.userPool, GANTRY_CHAIN_PREFIX: BENCH_NET.chainPrefix },
  });
  closeSync(logFd);
  // Its bridge, chains and namespaces go after it stops (the network engine leaves them for running containers).
  stopOnCleanup("stop gantry-agent", child, () => {
    cleanups.push({ what: "remove gantry's bench network", fn: async () => {
      const n = new NetworkService({ root: join(base, "root"), ...BENCH_NET });
      await n.start({ containerExists: () => false }).catch(() => {});
      await n.uninstall();
    } });
  });
  await waitFor(sock, child, log);
  return { name: "gantry", env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(base, "cli"), DOCKER_CLI_HINTS: "false" } };
}

async function timedRun(e: Engine, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  const { stdout } = await run(DOCKER_CLI, args, { env: e.env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (stdout !== "hi\n") throw new Error(`${e.name}: expected "hi", got ${JSON.stringify(stdout)}`);
  return ms;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const fmt = (n: number) => n.toFixed(1);

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
  cleanups.push({ what: "remove temp dir", fn: () => rmSync(base, { recursive: true, force: true }) });
  const registry = await startRegistry("open");
  cleanups.push({ what: "stop registry", fn: () => registry.stop() });
  await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(busyboxEntries())], { cmd: ["sh"] }));
  const ref = `${registry.host}/busybox:latest`;
  const gantry = await startGantry(join(base, "gantry"));
  const dockerd = await startDockerd(join(base, "dockerd"), registry.host);
  for (const e of [gantry, dockerd]) {
    execFileSync(DOCKER_CLI, ["pull", "-q", ref], { env: e.env });
    execFileSync(DOCKER_CLI, ["tag", ref, "busybox"], { env: e.env });
  }
  console.log(`dockerd ${execFileSync(DOCKER_CLI, ["version", "--format", "{{.Server.Version}}"], { env: dockerd.env, encoding: "utf8" }).trim()}; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);

  const none = ["run", "--rm", "--network", "none", "busybox", "echo", "hi"];
  const bridge = ["run", "--rm", "busybox", "echo", "hi"];
  const times: Record<string, number[]> = { gantry: [], dockerd: [], "gantry bridge": [] };
  for (let i = 0; i < 2; i++) for (const e of [gantry, dockerd]) await timedRun(e, none);
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? [dockerd, gantry] : [gantry, dockerd];
    for (const e of order) times[e.name]!.push(await timedRun(e, none));
    times["gantry bridge"]!.push(await timedRun(gantry, bridge));
  }
  for (const [name, xs] of Object.entries(times)) console.log(`${name.padEnd(14)} median ${fmt(quantile(xs, 0.5))} ms  p90 ${fmt(quantile(xs, 0.9))} ms  (n=${xs.length})`);
  console.log(`ratio gantry/dockerd (median, --network none): ${(quantile(times.gantry!, 0.5) / quantile(times.dockerd!, 0.5)).toFixed(3)}; load average now ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);

  for (const e of [gantry, dockerd]) {
    const b = await burst(e, 100);
    console.log(`${e.name}: 100 × docker run -d at once: all running after ${b.startMs} ms; docker rm -f of all: ${b.removeMs} ms`);
  }
}

main()
  .catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 1;
  })
  .finally(cleanup);
