// What the Engine API tests share: a standalone agent serving the Docker API on its own socket, a busybox image with
// every applet in a test registry, a bridge/subnets/iptables chains of the test's own (removed afterwards), and the real
// docker CLI (28.x) run against that socket with its output and exit code collected.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NetworkService } from "../../agent/network/network-service";
import { startAgent, type AgentProcess } from "./agent";
import { GANTRY_RUNTIME } from "./bundle";
import { makeImage, makeLayer, pushImage, type TestEntry } from "./images";

export const DOCKER = "/usr/local/bin/docker";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DockerRunOptions {
  input?: string;
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
}

/**
 * `docker` (runs the CLI, resolves with its exit code and output) and `ok` (the same, asserting exit code 0, resolving
 * with stdout), both with `env` (read at each call, so a test may fill it in `before`) over the process's environment.
 */
export function dockerCli(env: Record<string, string>, defaults: { cwd?: () => string; timeout?: number } = {}) {
  const docker = (args: string[], opts: DockerRunOptions = {}): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(
        DOCKER,
        args,
        {
          cwd: opts.cwd ?? defaults.cwd?.(),
          env: { ...process.env, ...env, ...opts.env },
          maxBuffer: 64 << 20,
          timeout: opts.timeout ?? defaults.timeout ?? 60_000,
        },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
      );
      // The CLI may exit without reading its stdin: a broken pipe there is not the test's concern.
      child.stdin!.on("error", () => {});
      child.stdin!.end(opts.input ?? "");
    });
  const ok = async (args: string[], opts: DockerRunOptions = {}): Promise<string> => {
    const r = await docker(args, opts);
    assert.equal(r.code, 0, `docker ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  return { docker, ok };
}

/** The CLI's environment for an agent's socket: DOCKER_HOST, a config dir of its own under `work`, no hints. */
export function dockerClientEnv(work: string, socket: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(join(work, "docker-config"), { recursive: true });
  // A DOCKER_API_VERSION from the caller's shell would pin the CLI's version and skip the negotiation under test.
  delete process.env.DOCKER_API_VERSION;
  return { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(work, "docker-config"), DOCKER_CLI_HINTS: "false", ...extra };
}

/** A busybox-static base with every applet, and users root and app (1000) with their groups. */
export function fullBusyboxEntries(): TestEntry[] {
  const applets = execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "busybox");
  return [
    { name: "bin/", type: "directory", mode: 0o755 },
    { name: "bin/busybox", type: "file", mode: 0o755, body: readFileSync("/bin/busybox") },
    ...applets.map((a): TestEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox", mode: 0o777 })),
    { name: "etc/", type: "directory", mode: 0o755 },
    { name: "etc/passwd", type: "file", mode: 0o644, body: "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n" },
    { name: "etc/group", type: "file", mode: 0o644, body: "root:x:0:\napp:x:1000:\n" },
    { name: "tmp/", type: "directory", mode: 0o1777 },
    { name: "home/", type: "directory", mode: 0o755 },
    { name: "home/app/", type: "directory", mode: 0o755, uid: 1000, gid: 1000 },
  ];
}

/** Pushes that base as `busybox:latest` (CMD ["sh"]) to the registry at `host`; returns the reference to pull. Another
 * `tag` pushes the same image under a second name (a Deployment's rollout to a "new" image). */
export async function pushBusybox(host: string, tag = "latest"): Promise<string> {
  await pushImage(host, "busybox", tag, makeImage([await makeLayer(fullBusyboxEntries())], { cmd: ["sh"] }));
  return `${host}/busybox:${tag}`;
}

/** A bridge, subnets and iptables chains for one test file's agent, so that it leaves the host's own alone. */
export interface TestNetworking {
  defaultBridge: string;
  defaultSubnet: string;
  userPool: string;
  chainPrefix: string;
}

/** /16s of 10.0.0.0/8 no route on this host uses yet (other tests' bridges may still hold some). */
/** The /16s this process has handed out already: a control plane's cluster CIDR and the agents' networks of one test
 *  are chosen before any of them is routed here (an agent's bridge lives in its own namespace), so the routes alone
 *  would let them collide — and an agent refuses a pod CIDR that overlaps its bridge network. */
const handedOut = new Set<string>();

export function freeSubnets(n: number): string[] {
  const routes = execFileSync("ip", ["-4", "route"], { encoding: "utf8" });
  const used = new Set([...routes.matchAll(/^10\.(\d+)\./gm)].map((m) => m[1]));
  for (const b of handedOut) used.add(b);
  const out: string[] = [];
  // From a random point of 10.150–249, so two runs starting at once (several engineers on one machine) rarely pick
  // the same /16 before either has made its bridge.
  const start = randomBytes(1)[0]! % 100;
  for (let i = 0; i < 100 && out.length < n; i++) {
    const b = 150 + ((start + i) % 100);
    if (!used.has(String(b))) out.push(`10.${b}.0.0/16`);
  }
  assert.equal(out.length, n, "no free 10.x.0.0/16 for the test's networks");
  for (const subnet of out) handedOut.add(subnet.split(".")[1]!);
  return out;
}

/** Names of a bridge, subnets and chains no other run uses (`prefix` tells whose they are: gct, gdo, ...). */
export function testNetworking(prefix: string): TestNetworking {
  const tag = randomBytes(3).toString("hex");
  const [subnet, pool] = freeSubnets(2);
  return { defaultBridge: `${prefix}${tag}`, defaultSubnet: subnet!, userPool: pool!, chainPrefix: `${prefix}${tag}`.toUpperCase() };
}

/** The agent's environment for its networking. */
export function networkingEnv(net: TestNetworking): Record<string, string> {
  return { GANTRY_BRIDGE: net.defaultBridge, GANTRY_BRIDGE_SUBNET: net.defaultSubnet, GANTRY_NETWORK_POOL: net.userPool, GANTRY_CHAIN_PREFIX: net.chainPrefix };
}

/** Removes the bridges and iptables chains an agent rooted at `root` made with `net` (after the agent stopped). */
export async function removeNetworking(root: string, net: TestNetworking): Promise<void> {
  const networks = new NetworkService({ root, ...net });
  await networks.start({ containerExists: () => false }).catch(() => {});
  await networks.uninstall().catch(() => {});
}

/** A standalone agent (root `root`) serving the Docker API on `socket` with Gantry's runtime, once it says it listens. */
export async function startEngineAgent(root: string, socket: string, env: Record<string, string> = {}): Promise<AgentProcess> {
  const agent = startAgent({ root, env: { GANTRY_DOCKER_SOCKET: socket, GANTRY_RUNTIME, ...env } });
  await agent.waitForOutput("Docker API listening");
  return agent;
}
