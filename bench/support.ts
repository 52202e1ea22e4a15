// What the benchmarks share: a cleanup stack, installing apt packages (dockerd's docker.io among them), a dockerd
// of their own (own data root, exec root, pidfile, socket and config; optionally in a network namespace and on TCP),
// stopping a child process, and the figures' quantiles and formats. Each bench keeps its own workload and output.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";

/** The docker CLI 28 client every machine of this kind has; it drives dockerd and Gantry's agent alike. */
export const DOCKER_CLI = "/usr/local/bin/docker";

// ---------------------------------------------------------------- cleanup, even on failure

/** What a bench must undo, undone last-in first-out; a failing step is printed and the rest still run. */
export class Cleanups {
  #steps: { what: string; fn: () => unknown }[] = [];
  #running: Promise<void> | undefined;

  push(what: string, fn: () => unknown): void {
    this.#steps.push({ what, fn });
  }

  /** Runs every step, newest first (a step pushed meanwhile runs next). Calling it again waits for the same run. */
  run(): Promise<void> {
    this.#running ??= (async () => {
      for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
        try {
          await step.fn();
        } catch (e) {
          console.error(`cleanup (${step.what}) failed: ${(e as Error).message}`);
        }
      }
    })();
    return this.#running;
  }

  /** On SIGINT, SIGTERM or SIGHUP: run the steps, then exit 130. */
  runOnSignals(): void {
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.on(sig, () => {
        console.error(`\n${sig}: cleaning up`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }
}

/** Runs a bench's main, prints what made it fail (exit code 1), and cleans up either way. */
export async function runBench(main: () => Promise<void>, cleanups: Cleanups): Promise<void> {
  try {
    await main();
  } catch (e) {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 1;
  } finally {
    await cleanups.run();
  }
}

// ---------------------------------------------------------------- peers from apt

function aptInstalled(pkg: string): boolean {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

/**
 * Installs a Debian package when it is missing (saying so, with `about` in brackets), running apt-get update once if
 * the first try fails. Returns whether it is installed; throws instead when it is `required`.
 */
export function ensureAptPackage(pkg: string, opts: { required: boolean; about?: string }): boolean {
  if (aptInstalled(pkg)) return true;
  console.log(`${pkg}${opts.about ? ` (${opts.about})` : ""} is not installed: apt-get install -y --no-install-recommends ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], { stdio: "inherit", env });
  if (install().status !== 0) {
    console.log(`apt-get install ${pkg} failed; running apt-get update and retrying`);
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    install();
  }
  const ok = aptInstalled(pkg);
  if (!ok && opts.required) throw new Error(`could not install ${pkg} with apt-get`);
  if (!ok) console.log(`${pkg} could not be installed: skipping it`);
  return ok;
}

/** apt's docker.io: dockerd 20.10 with its containerd and runc, the peer the benches measure against. */
export function ensureDockerIo(): void {
  ensureAptPackage("docker.io", { required: true, about: "dockerd, the peer of this benchmark" });
}

// ---------------------------------------------------------------- child processes

/** SIGTERM, then SIGKILL if `child` has not exited within 20 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess, name: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 20_000)))]);
  clearTimeout(timer);
  if (stopped) return;
  console.error(`${name} did not stop within 20 s: SIGKILL`);
  child.kill("SIGKILL");
  await exited;
}

/** GET /_ping (Docker's Engine API, which Gantry's agent serves too) on a unix socket or a base URL: answered 200? */
function ping(at: { socket: string } | { url: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const opts = { path: "/_ping", timeout: 1000 };
    const req = "socket" in at ? http.get({ ...opts, socketPath: at.socket }) : http.get(`${at.url}/_ping`, { timeout: opts.timeout });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

/** Waits up to 60 s for the Engine API at `at` to answer /_ping; fails early, with the log's tail, if `child` exits. */
export async function waitForPing(at: { socket: string } | { url: string }, child: ChildProcess, name: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const tail = () => readFileSync(logFile, "utf8").slice(-4000);
  while (!(await ping(at))) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`${name} did not answer on ${"socket" in at ? at.socket : at.url} within 60 s:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------- dockerd

export interface DockerdOptions {
  /** Its stop is pushed here before it is awaited, so a dockerd that never answers is stopped too. */
  cleanups: Cleanups;
  /** A directory of its own: data root, exec root, pidfile, socket, daemon.json, dockerd.log and the CLI's config. */
  base: string;
  /** The local registry (host:port) it may reach over plain http. */
  registryHost: string;
  /** Run it in this network namespace (`nsenter --net=/run/netns/NAME`, which keeps the host's mounts). */
  netns?: string;
  /** Listen on TCP too, at this address and port (readiness is then awaited there). */
  tcp?: { host: string; port: number };
}

export interface Dockerd {
  /** process.env with DOCKER_HOST, DOCKER_CONFIG and DOCKER_CLI_HINTS set for the docker CLI. */
  env: NodeJS.ProcessEnv;
  /** Its unix socket. */
  socket: string;
  /** `http://host:port` when it listens on TCP. */
  url?: string;
  /** Runs the docker CLI against it and returns its stdout. */
  docker(args: string[]): string;
}

/**
 * Starts apt's dockerd on its own roots under `base`, with --bridge=none --iptables=false --ip-masq=false so it leaves
 * the host's networking alone, and waits until it answers. Its cleanup stops it (SIGTERM, SIGKILL after 20 s) and
 * then kills the containerd it supervised under its exec root, should that have outlived it.
 */
export function startDockerd(opts: DockerdOptions & Required<Pick<DockerdOptions, "tcp">>): Promise<Dockerd & { url: string }>;
export function startDockerd(opts: DockerdOptions): Promise<Dockerd>;
export async function startDockerd(opts: DockerdOptions): Promise<Dockerd> {
  const { base } = opts;
  mkdirSync(base, { recursive: true });
  const d = { data: join(base, "data"), exec: join(base, "exec"), sock: join(base, "docker.sock"), config: join(base, "daemon.json"), log: join(base, "dockerd.log") };
  writeFileSync(d.config, "{}\n");
  const logFd = openSync(d.log, "a");
  const args = ["--data-root", d.data, "--exec-root", d.exec, "--pidfile", join(base, "dockerd.pid"), "-H", `unix://${d.sock}`,
    ...(opts.tcp ? ["-H", `tcp://${opts.tcp.host}:${opts.tcp.port}`] : []),
    "--config-file", d.config, "--bridge=none", "--iptables=false", "--ip-masq=false", "--insecure-registry", opts.registryHost];
  console.log(`starting dockerd ${opts.netns ? `in ${opts.netns}: ` : ""}${args.join(" ")}`);
  const child = opts.netns
    ? spawn("nsenter", [`--net=/run/netns/${opts.netns}`, "dockerd", ...args], { stdio: ["ignore", logFd, logFd] })
    : spawn("dockerd", args, { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  opts.cleanups.push("stop dockerd", async () => {
    await stopChild(child, "dockerd");
    const cpid = join(d.exec, "containerd", "containerd.pid");
    if (existsSync(cpid)) {
      const pid = Number(readFileSync(cpid, "utf8").trim());
      if (pid > 0 && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(d.exec)) process.kill(pid, "SIGKILL");
    }
  });
  const url = opts.tcp && `http://${opts.tcp.host}:${opts.tcp.port}`;
  await waitForPing(url ? { url } : { socket: d.sock }, child, "dockerd", d.log);
  const env = { ...process.env, DOCKER_HOST: `unix://${d.sock}`, DOCKER_CONFIG: join(base, "cli"), DOCKER_CLI_HINTS: "false" };
  const docker = (a: string[]) => execFileSync(DOCKER_CLI, a, { env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  return { env, socket: d.sock, ...(url ? { url } : {}), docker };
}

// ---------------------------------------------------------------- figures

/**
 * The ⌈q·n⌉-th smallest of xs (nearest rank; NaN when there are none). With `next: true`, the (⌊q·n⌋+1)-th: the
 * value just past q·n of them, which differs only where q·n is whole (bench/containers.ts and bench/runtime.ts have
 * always taken their medians and p90s so, and bench/RESULTS.md quotes them).
 */
export function quantile(xs: number[], q: number, opts: { next?: boolean } = {}): number {
  if (!xs.length) return NaN;
  const s = Float64Array.from(xs).sort();
  const i = opts.next ? Math.floor(q * s.length) : Math.ceil(q * s.length) - 1;
  return s[Math.min(s.length - 1, Math.max(0, i))]!;
}

/** A figure with one decimal, or "—" for none (NaN). */
export const oneDecimal = (n: number) => (Number.isNaN(n) ? "—" : n.toFixed(1));

/** The 1, 5 and 15 minute load averages, e.g. "2.5 3.1 4.0". */
export const loadAverage = (digits = 1) => loadavg().map((l) => l.toFixed(digits)).join(" ");
