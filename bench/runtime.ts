// gantry-runtime against runc (/usr/sbin/runc), alternating in one process on the same busybox bundle:
//   node --import tsx bench/runtime.ts [RUNS]
// Bundle: runc's default spec running /bin/true — new pid, network, ipc, uts and mount namespaces, a cgroup, the
// usual mounts, masked paths, three capabilities. Prints medians and p90 of `run` and of create+start+delete, the
// ratio gantry/runc, and the maximum RSS of each runtime (wait4 rusage through /usr/bin/time -f %M). `run` is timed
// twice: through Node's spawnSync (as every figure before; Node's fork of its own large process adds a few ms to
// each invocation of either runtime, more under load) and from bench/run-timer.c, a small C launcher compiled here,
// which also reports the CPU time of each run (the runtime, its container and everything it waited for).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, defaultSpec, GANTRY_RUNTIME, REPO_ROOT } from "../test/support/bundle.ts";
import { loadAverage, quantile } from "./support.ts";

const RUNC = "/usr/sbin/runc";
const RUNS = Number(process.argv[2] ?? 200);

execFileSync("make", ["-s", "-C", join(REPO_ROOT, "native"), "build/gantry-runtime"], { stdio: "inherit" });

const bundle = makeBundle("gantry-bench-");
bundle.writeConfig(defaultSpec(["/bin/true"]));
const roots = { gantry: mkdtempSync(join(tmpdir(), "gantry-bench-root-")), runc: mkdtempSync(join(tmpdir(), "runc-bench-root-")) };
// A private copy: other work in the checkout may relink native/build while the benchmark runs.
const gantryCopy = join(roots.gantry, "gantry-runtime");
copyFileSync(GANTRY_RUNTIME, gantryCopy);
chmodSync(gantryCopy, 0o755);
const bins = { gantry: gantryCopy, runc: RUNC };
type Name = keyof typeof bins;

let seq = 0;
function invoke(name: Name, args: string[]): number {
  const t0 = process.hrtime.bigint();
  // stdio ignored: a container holding a pipe would keep spawnSync waiting, and output is not measured.
  const r = spawnSync(bins[name], ["--root", roots[name], ...args], { stdio: "ignore" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${name} ${args.join(" ")} exited ${r.status ?? r.signal ?? r.error}`);
  return ms;
}

function runOnce(name: Name): number {
  return invoke(name, ["run", "-b", bundle.dir, `bench-${process.pid}-${++seq}`]);
}

function lifecycleOnce(name: Name): number {
  const id = `bench-${process.pid}-${++seq}`;
  return invoke(name, ["create", "-b", bundle.dir, id]) + invoke(name, ["start", id]) + waitStoppedThenDelete(name, id);
}

function waitStoppedThenDelete(name: Name, id: string): number {
  // /bin/true exits at once; delete (no --force) needs it stopped, as a shim would wait for the exit first.
  for (let i = 0; i < 500; i++) {
    const r = spawnSync(bins[name], ["--root", roots[name], "state", id], { encoding: "utf8" });
    if (r.stdout.includes('"stopped"')) break;
  }
  return invoke(name, ["delete", id]);
}

function maxRss(name: Name, runs: number): number | undefined {
  if (!existsSync("/usr/bin/time")) return undefined;
  let max = 0;
  for (let i = 0; i < runs; i++) {
    const r = spawnSync("/usr/bin/time", ["-f", "%M", bins[name], "--root", roots[name], "run", "-b", bundle.dir, `rss-${process.pid}-${++seq}`], {
      encoding: "utf8",
      stdio: ["ignore", "ignore", "pipe"],
    });
    const kb = Number(r.stderr.trim().split("\n").pop());
    if (kb > max) max = kb;
  }
  return max;
}

// The (⌊q·n⌋+1)-th smallest, as the medians and p90s in bench/RESULTS.md were taken.
const median = (xs: number[]) => quantile(xs, 0.5, { next: true });
const p90 = (xs: number[]) => quantile(xs, 0.9, { next: true });

function alternate(what: string, once: (n: Name) => number, runs: number) {
  const times: Record<Name, number[]> = { gantry: [], runc: [] };
  for (let i = 0; i < 10; i++) {
    once("gantry");
    once("runc");
  }
  for (let i = 0; i < runs; i++) {
    const order: Name[] = i % 2 ? ["runc", "gantry"] : ["gantry", "runc"];
    for (const n of order) times[n].push(once(n));
  }
  const g = median(times.gantry), r = median(times.runc);
  console.log(
    `${what.padEnd(22)} gantry median ${g.toFixed(2)} ms (p90 ${p90(times.gantry).toFixed(2)}) | ` +
      `runc median ${r.toFixed(2)} ms (p90 ${p90(times.runc).toFixed(2)}) | ratio ${(g / r).toFixed(3)} | n=${runs} each`,
  );
}

// `run` timed by bench/run-timer.c: wall and CPU milliseconds per run.
function timedByLauncher(runs: number) {
  const timer = join(roots.gantry, "run-timer");
  execFileSync("gcc", ["-O2", "-Wall", "-o", timer, join(REPO_ROOT, "bench", "run-timer.c")], { stdio: "inherit" });
  const out = execFileSync(timer, [String(runs), "10", bundle.dir, "gantry", bins.gantry, roots.gantry, "runc", bins.runc, roots.runc], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const wall: Record<Name, number[]> = { gantry: [], runc: [] };
  const cpu: Record<Name, number[]> = { gantry: [], runc: [] };
  for (const line of out.trim().split("\n")) {
    const [name, ms, cpuMs] = line.split(" ");
    wall[name as Name].push(Number(ms));
    cpu[name as Name].push(Number(cpuMs));
  }
  const g = median(wall.gantry), r = median(wall.runc);
  console.log(
    `${"run (C launcher)".padEnd(22)} gantry median ${g.toFixed(2)} ms (p90 ${p90(wall.gantry).toFixed(2)}, CPU ${median(cpu.gantry).toFixed(2)}) | ` +
      `runc median ${r.toFixed(2)} ms (p90 ${p90(wall.runc).toFixed(2)}, CPU ${median(cpu.runc).toFixed(2)}) | ratio ${(g / r).toFixed(3)} | n=${runs} each`,
  );
}

try {
  console.log(`gantry-runtime vs runc ${execFileSync(RUNC, ["--version"], { encoding: "utf8" }).split("\n")[0].replace("runc version ", "")}, ${RUNS} runs each, alternating; load average ${loadAverage(2)}`);
  alternate("run /bin/true", runOnce, RUNS);
  timedByLauncher(RUNS);
  alternate("create+start+delete", lifecycleOnce, Math.max(50, Math.floor(RUNS / 2)));
  const g = maxRss("gantry", 30), r = maxRss("runc", 30);
  if (g !== undefined && r !== undefined) console.log(`max RSS of run (30 runs each): gantry ${g} KB | runc ${r} KB`);
  else console.log("max RSS: /usr/bin/time is not installed (apt install time)");
  console.log(`load average at the end ${loadAverage(2)}`);
} finally {
  for (const n of ["gantry", "runc"] as Name[]) {
    spawnSync(bins[n], ["--root", roots[n], "list", "-q"], { encoding: "utf8" }).stdout?.split("\n").filter(Boolean)
      .forEach((id) => spawnSync(bins[n], ["--root", roots[n], "delete", "--force", id]));
    rmSync(roots[n], { recursive: true, force: true });
  }
  bundle.cleanup();
}
