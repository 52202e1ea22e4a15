// Memory of an idle agent and of its per-container monitors, with 100 containers:
//   node --import tsx bench/agent-memory.ts [CONTAINERS]
// A standalone agent (its own GANTRY_ROOT, socket, bridge and chains, started as gantry-agent is: node with tsx)
// pulls a busybox-static image from Debian's docker-registry on 127.0.0.1, then runs CONTAINERS (default 100)
// `docker run -d -i --network none busybox cat` through the docker CLI. Figures, each after the agent has been idle
// for IDLE_S seconds: the agent just started; with the containers, after the Docker API made them; after a round of
// Docker API reads (ps, inspect of all, stats --no-stream, logs); and after a restart of the agent with the
// containers still running and no Docker API request since but the /_ping that says it is up ("without the Docker
// API in use"). For the agent: VmRSS, RssAnon and RssFile from /proc/PID/status and Pss from /proc/PID/smaps_rollup;
// for the monitors: the mean and max of VmRSS and Pss, and their sum. IDLE_S (default 15) sets the idle time. The
// containers, agent and registry are removed at the end. To see what the heap holds:
//   AGENT_NODE_ARGS=--heapsnapshot-signal=SIGUSR2 HEAP_SNAPSHOTS=1 node --import tsx bench/agent-memory.ts
// (the agent writes Heap.*.heapsnapshot into the repository's directory after each figure).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { NetworkService } from "../agent/network/network-service.ts";
import { startRegistry } from "../test/support/registry.ts";
import { busyboxEntries, makeImage, makeLayer, pushImage } from "../test/support/images.ts";
import { Cleanups, DOCKER_CLI, loadAverage, runBench, stopChild, waitForPing } from "./support.ts";

const COUNT = Number(process.argv[2] ?? 100);
if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error(`CONTAINERS must be a positive integer, got "${process.argv[2]}"`);
const IDLE_S = Number(process.env.IDLE_S ?? 15);
const REPO_ROOT = join(import.meta.dirname, "..");
const run = promisify(execFile);
const NET = { defaultBridge: "gmem0", defaultSubnet: "10.195.0.0/16", userPool: "10.194.0.0/16", chainPrefix: "GMEM" };
const cleanups = new Cleanups();

interface Agent {
  child: ChildProcess;
  env: NodeJS.ProcessEnv;
}

function startAgent(base: string): Promise<Agent> {
  mkdirSync(base, { recursive: true });
  const sock = join(base, "docker.sock");
  const log = join(base, "agent.log");
  const logFd = openSync(log, "a");
  // As the gantry-agent command runs it (bin/gantry-agent.mjs).
  const child = spawn(process.execPath, [...(process.env.AGENT_NODE_ARGS?.split(" ").filter(Boolean) ?? []), join(REPO_ROOT, "bin/gantry-agent.mjs")], {
    cwd: REPO_ROOT,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, GANTRY_ROOT: join(base, "root"), GANTRY_DOCKER_SOCKET: sock, GANTRY_SERVER_URL: "", GANTRY_BRIDGE: NET.defaultBridge,
      GANTRY_BRIDGE_SUBNET: NET.defaultSubnet, GANTRY_NETWORK_POOL: NET.userPool, GANTRY_CHAIN_PREFIX: NET.chainPrefix },
  });
  closeSync(logFd);
  return waitForPing({ socket: sock }, child, "gantry-agent", log).then(() => ({
    child,
    env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(base, "cli"), DOCKER_CLI_HINTS: "false" },
  }));
}

interface Mem {
  rss: number;
  anon: number;
  file: number;
  pss: number;
}

/** kB figures of one process (0s when it is gone). */
function memOf(pid: number): Mem {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (re: RegExp, text: string) => Number(text.match(re)?.[1] ?? 0);
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    return { rss: kb(/^VmRSS:\s+(\d+)/m, status), anon: kb(/^RssAnon:\s+(\d+)/m, status), file: kb(/^RssFile:\s+(\d+)/m, status), pss: kb(/^Pss:\s+(\d+)/m, rollup) };
  } catch {
    return { rss: 0, anon: 0, file: 0, pss: 0 };
  }
}

/** The gantry-monitor processes supervising containers of this agent's state directory. */
function monitorsOf(root: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (cmd[0]?.endsWith("gantry-monitor") && cmd.some((a) => a.startsWith(root))) pids.push(Number(e));
  }
  return pids;
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

/** SMAPS=1: the agent's largest mappings by anonymous memory (what holds it: [heap], V8's spaces, thread arenas). */
function largestMappings(pid: number) {
  const rows: { what: string; anon: number; rss: number }[] = [];
  let cur: { what: string; anon: number; rss: number } | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = line.match(/^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024;
      rows.push((cur = { what: `${head[3] || "[anon]"} (${size} kB mapping)`, anon: 0, rss: 0 }));
    } else if (cur && line.startsWith("Anonymous:")) cur.anon = Number(line.split(/\s+/)[1]);
    else if (cur && line.startsWith("Rss:")) cur.rss = Number(line.split(/\s+/)[1]);
  }
  rows.sort((a, b) => b.anon - a.anon);
  for (const r of rows.slice(0, 12)) console.log(`    anon ${String(r.anon).padStart(6)} kB  rss ${String(r.rss).padStart(6)} kB  ${r.what}`);
}

function report(what: string, agentPid: number, root: string) {
  const a = memOf(agentPid);
  if (process.env.SMAPS) largestMappings(agentPid);
  if (process.env.HEAP_SNAPSHOTS) process.kill(agentPid, "SIGUSR2");
  const monitors = monitorsOf(root).map(memOf);
  const sum = (k: keyof Mem) => monitors.reduce((s, m) => s + m[k], 0);
  const max = (k: keyof Mem) => monitors.reduce((s, m) => Math.max(s, m[k]), 0);
  console.log(
    `${what.padEnd(46)} agent VmRSS ${mb(a.rss)} MB (anon ${mb(a.anon)}, file ${mb(a.file)}), Pss ${mb(a.pss)} MB` +
      (monitors.length
        ? ` | ${monitors.length} monitors: VmRSS mean ${(sum("rss") / monitors.length).toFixed(0)} kB (max ${max("rss")}), ` +
          `Pss mean ${(sum("pss") / monitors.length).toFixed(0)} kB (max ${max("pss")}), Pss sum ${mb(sum("pss"))} MB`
        : ""),
  );
}

const idle = () => new Promise((r) => setTimeout(r, IDLE_S * 1000));

async function main() {
  const base = mkdtempSync(join(tmpdir(), "gantry-bench-memory-"));
  const root = join(base, "agent", "root");
  cleanups.push("remove temp dir", () => rmSync(base, { recursive: true, force: true }));
  const registry = await startRegistry("open");
  cleanups.push("stop registry", () => registry.stop());
  await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(busyboxEntries())], { cmd: ["sh"] }));
  const ref = `${registry.host}/busybox:latest`;
  // The bench network goes once the agent has stopped (pushed first, undone after the stop).
  cleanups.push("remove the bench network", async () => {
    const n = new NetworkService({ root, ...NET });
    await n.start({ containerExists: () => false }).catch(() => {});
    await n.uninstall();
  });
  let agent = await startAgent(join(base, "agent"));
  let current = agent;
  cleanups.push("stop gantry-agent", () => stopChild(current.child, "gantry-agent"));
  const docker = (args: string[]) => run(DOCKER_CLI, args, { env: agent.env, maxBuffer: 64 << 20 });
  cleanups.push("remove the containers", async () => {
    const { stdout } = await run(DOCKER_CLI, ["ps", "-aq"], { env: current.env, maxBuffer: 1 << 20 }).catch(() => ({ stdout: "" }));
    const ids = stdout.split("\n").filter(Boolean);
    if (ids.length) await run(DOCKER_CLI, ["rm", "-f", ...ids], { env: current.env, maxBuffer: 1 << 20 }).catch(() => {});
  });
  console.log(`${COUNT} containers, ${IDLE_S} s idle before each figure; node ${process.version}; load average ${loadAverage()}`);

  await idle();
  report("started, no container", agent.child.pid!, root);

  await docker(["pull", "-q", ref]);
  await docker(["tag", ref, "busybox"]);
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i += 10) {
    const batch = Array.from({ length: Math.min(10, COUNT - i) }, () => docker(["run", "-d", "-i", "--network", "none", "busybox", "cat"]));
    for (const r of await Promise.all(batch)) ids.push(r.stdout.trim());
  }
  await idle();
  report(`${COUNT} containers made through the Docker API`, agent.child.pid!, root);

  await docker(["ps", "-a"]);
  await docker(["inspect", ...ids]);
  await docker(["stats", "--no-stream"]);
  for (const id of ids.slice(0, 10)) await docker(["logs", id]);
  await idle();
  report("after ps, inspect, stats, logs", agent.child.pid!, root);

  await stopChild(agent.child, "gantry-agent");
  agent = current = await startAgent(join(base, "agent"));
  await idle();
  report("restarted, only /_ping since", agent.child.pid!, root);
  console.log(`load average at the end ${loadAverage()}`);
}

await runBench(main, cleanups);
