// Latency from a container writing a log line to that line reaching the browser, and lines lost under load:
//   node --import tsx bench/log-latency.ts [SECONDS_AT_1000=10] [SECONDS_AT_20000=5]   (needs a `next build`;
//   GANTRY_NEXT_DIR is honoured)
// The generator is bench/loggen.c, compiled here with gcc -static and bind-mounted into a busybox container: it waits
// for a wall-clock start time, then writes "L <seq> <sent µs>" lines at a fixed rate, each stamped (CLOCK_REALTIME, the
// clock Date.now() reads: the container shares this machine's clock) just before its own write(2).
//   gantry:  a control plane + a real agent (test/support/fleet-host.ts); headless Chromium opens the real /logs viewer.
//            The page records now − sent for every line when the viewer receives it (window.__gantryLogProbe, called
//            by components/logs/use-log-streams.ts before rendering) and when its row enters the DOM (a
//            MutationObserver; the list is virtualized, so at high rates some lines scroll past unrendered — lines
//            received, not rendered, are what is counted as delivered).
//   dockerd: the same generator in dockerd 20.10 (apt docker.io, its own data root and socket, json-file logs), read
//            with `docker logs -f --timestamps` through the docker CLI 28; latency taken when the reader gets the line.
// Each phase runs alone (gantry, then dockerd); lost = lines written − distinct lines received.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Browser, Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../test/support/fleet-host.ts";
import { launchBrowser } from "../test/support/browser.ts";
import { api } from "../test/support/session.ts";
import { Cleanups, DOCKER_CLI, ensureDockerIo, loadAverage, oneDecimal, quantile, runBench, startDockerd } from "./support.ts";

const SLOW_SECONDS = Number(process.argv[2] ?? 10);
const FAST_SECONDS = Number(process.argv[3] ?? 5);
for (const [name, v] of [["SECONDS_AT_1000", SLOW_SECONDS], ["SECONDS_AT_20000", FAST_SECONDS]] as const) {
  if (!Number.isInteger(v) || v < 1 || v > 120) throw new Error(`${name} must be an integer from 1 to 120, got ${v}`);
}
const REPO_ROOT = join(import.meta.dirname, "..");
/** How long after the last line is due a reader may still be catching up before what is missing counts as lost. */
const DRAIN_MS = 15_000;
/** Time given to each reader to be following before the generator starts. */
const LEAD_MS = 6_000;

const cleanups = new Cleanups();

interface Phase {
  rate: number;
  count: number;
}

interface Result {
  /** now − sent (ms) of each line when received. */
  received: number[];
  /** now − sent (ms) of each line when drawn (gantry only). */
  rendered: number[];
  distinct: number;
  /** What the generator said it achieved. */
  generator: string;
}


/**
 * Installed in the page before any of its scripts: the probe the viewer calls, and an observer of rows drawn. Plain
 * JavaScript in a string: a function passed from here would carry tsx's helpers (__name), unknown in the page.
 */
const PAGE_PROBE = `(() => {
  const b = { received: [], rendered: [], seen: new Set(), drawn: new Set(), generator: "" };
  window.__bench = b;
  const LINE = /^L (\\d+) (\\d+)$/;
  // Wall-clock milliseconds with a fraction (Date.now() has whole milliseconds only).
  const clock = () => performance.timeOrigin + performance.now();
  window.__gantryLogProbe = (lines) => {
    const now = clock();
    for (const l of lines) {
      const m = LINE.exec(l.raw);
      if (!m) {
        if (l.raw.startsWith("loggen:")) b.generator = l.raw;
        continue;
      }
      b.received.push(now - Number(m[2]) / 1000);
      b.seen.add(Number(m[1]));
    }
  };
  new MutationObserver((records) => {
    const now = clock();
    for (const r of records)
      for (const n of r.addedNodes) {
        if (!(n instanceof HTMLElement) || n.dataset.testid !== "log-line") continue;
        const m = LINE.exec(n.querySelector('[data-testid="log-text"]')?.textContent ?? "");
        if (!m || b.drawn.has(Number(m[1]))) continue;
        b.drawn.add(Number(m[1]));
        b.rendered.push(now - Number(m[2]) / 1000);
      }
  }).observe(document, { childList: true, subtree: true });
})();`;

async function gantryPhase(f: FleetHost, page: Page, genDir: string, p: Phase, i: number): Promise<Result> {
  const name = `loggen-${i}`;
  const start = Date.now() + LEAD_MS;
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, {
    image: f.image,
    name,
    cmd: ["/gen/loggen", String(p.rate), String(p.count), String(start)],
    volumes: [{ source: genDir, target: "/gen", readOnly: true }],
    network: "none",
  });
  if (r.status !== 201) throw new Error(`gantry run answered ${r.status}: ${JSON.stringify(r.body)}`);
  await page.goto(`${f.cp.url}/logs?c=${f.hostId}:${name}`);
  await page.getByRole("heading", { name: new RegExp(`^Logs: ${name} on `) }).waitFor();
  if (Date.now() > start - 1000) console.warn(`warning: the page opened only ${start - Date.now()} ms before the generator started`);
  const due = start + (p.count / p.rate) * 1000;
  let last = -1;
  let still = Date.now();
  for (;;) {
    await new Promise((res) => setTimeout(res, 500));
    const n = await page.evaluate(() => (window as unknown as { __bench: { seen: Set<number> } }).__bench.seen.size);
    if (n >= p.count) break;
    if (n !== last) (last = n), (still = Date.now());
    if (Date.now() > due && Date.now() - still > DRAIN_MS) break;
  }
  await new Promise((res) => setTimeout(res, 300));
  const out = await page.evaluate(() => {
    const b = (window as unknown as { __bench: { received: number[]; rendered: number[]; seen: Set<number>; generator: string } }).__bench;
    return { received: b.received, rendered: b.rendered, distinct: b.seen.size, generator: b.generator };
  });
  await api(f.cp, f.ownerCookie).request("DELETE", `/api/v1/hosts/${f.hostId}/containers/${name}?force=true`);
  return out;
}

async function dockerdPhase(env: NodeJS.ProcessEnv, image: string, genDir: string, p: Phase, i: number): Promise<Result> {
  const name = `loggen-${i}`;
  const start = Date.now() + LEAD_MS;
  execFileSync(DOCKER_CLI, ["run", "-d", "--name", name, "--network", "none", "-v", `${genDir}:/gen:ro`, image, "/gen/loggen", String(p.rate), String(p.count), String(start)], { env, stdio: "ignore" });
  const reader = spawn(DOCKER_CLI, ["logs", "-f", "--timestamps", name], { env, stdio: ["ignore", "pipe", "pipe"] });
  const received: number[] = [];
  const seen = new Set<number>();
  let generator = "";
  const LINE = /^\S+ L (\d+) (\d+)$/;
  createInterface({ input: reader.stdout! }).on("line", (line) => {
    const now = performance.timeOrigin + performance.now();
    const m = LINE.exec(line);
    if (!m) return;
    received.push(now - Number(m[2]) / 1000);
    seen.add(Number(m[1]));
  });
  createInterface({ input: reader.stderr! }).on("line", (line) => {
    if (/loggen:/.test(line)) generator = line.replace(/^\S+ /, "");
  });
  const ended = new Promise<void>((res) => reader.once("exit", () => res()));
  const due = start + (p.count / p.rate) * 1000;
  await Promise.race([ended, new Promise((res) => setTimeout(res, due - Date.now() + DRAIN_MS))]);
  reader.kill();
  await ended;
  execFileSync(DOCKER_CLI, ["rm", "-f", name], { env, stdio: "ignore" });
  return { received, rendered: [], distinct: seen.size, generator };
}

function report(label: string, p: Phase, r: Result) {
  const lost = p.count - r.distinct;
  console.log(
    `  ${label.padEnd(34)} received ${String(r.distinct).padStart(6)}/${p.count} (lost ${lost})  p50 ${oneDecimal(quantile(r.received, 0.5))} ms  p99 ${oneDecimal(quantile(r.received, 0.99))} ms  max ${oneDecimal(Math.max(...r.received))} ms` +
      (r.rendered.length ? `  | drawn ${r.rendered.length}: p50 ${oneDecimal(quantile(r.rendered, 0.5))} ms  p99 ${oneDecimal(quantile(r.rendered, 0.99))} ms` : "") +
      (r.generator ? `  [${r.generator}]` : ""),
  );
}

async function main() {
  ensureDockerIo();
  const work = mkdtempSync(join(tmpdir(), "gantry-bench-logs-"));
  cleanups.push("remove the work directory", () => rmSync(work, { recursive: true, force: true }));
  const genDir = join(work, "gen");
  mkdirSync(genDir);
  execFileSync("gcc", ["-O2", "-static", "-Wall", "-o", join(genDir, "loggen"), join(REPO_ROOT, "bench", "loggen.c")], { stdio: "inherit" });

  const [f, browser] = (await Promise.all([
    startFleetHost("glb"),
    launchBrowser(),
  ])) as [FleetHost, Browser];
  cleanups.push("stop the control plane and agent", () => f.destroy());
  cleanups.push("close the browser", () => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies(
    f.ownerCookie.split(/;\s*/).filter(Boolean).map((c) => ({ name: c.slice(0, c.indexOf("=")), value: c.slice(c.indexOf("=") + 1), url: f.cp.url })),
  );
  await context.addInitScript({ content: PAGE_PROBE });
  const page = await context.newPage();

  const { env: dockerEnv } = await startDockerd({ cleanups, base: join(work, "dockerd"), registryHost: f.registry.host });
  execFileSync(DOCKER_CLI, ["pull", "-q", f.image], { env: dockerEnv, stdio: "ignore" });
  const dockerdVersion = execFileSync(DOCKER_CLI, ["version", "--format", "{{.Server.Version}}"], { env: dockerEnv, encoding: "utf8" }).trim();

  const phases: Phase[] = [
    { rate: 1000, count: 1000 * SLOW_SECONDS },
    { rate: 20_000, count: 20_000 * FAST_SECONDS },
  ];
  console.log(`dockerd ${dockerdVersion}; Chromium ${browser.version()}; load average ${loadAverage()}`);
  const results: { p: Phase; g: Result; d: Result }[] = [];
  let i = 0;
  for (const p of phases) {
    const g = await gantryPhase(f, page, genDir, p, i++);
    const d = await dockerdPhase(dockerEnv, f.image, genDir, p, i++);
    results.push({ p, g, d });
    console.log(`${p.rate} lines/s for ${p.count / p.rate} s (${p.count} lines), load average ${loadAverage()}:`);
    report("gantry → browser /logs (received)", p, g);
    report("dockerd → docker logs -f --timestamps", p, d);
    console.log(`  ratio gantry/dockerd: p50 ${(quantile(g.received, 0.5) / quantile(d.received, 0.5)).toFixed(2)}, p99 ${(quantile(g.received, 0.99) / quantile(d.received, 0.99)).toFixed(2)}`);
  }
  const slow = results[0]!;
  const fast = results[1]!;
  const p99 = Math.max(quantile(slow.g.received, 0.99), slow.g.rendered.length ? quantile(slow.g.rendered, 0.99) : 0);
  const lost = fast.p.count - fast.g.distinct + (slow.p.count - slow.g.distinct);
  console.log(`target log p99 ≤ 250 ms at 1,000 lines/s with 0 lines lost at 20,000 lines/s: ${p99 <= 250 && lost === 0 ? "met" : "NOT met"} (p99 ${oneDecimal(p99)} ms, ${lost} lost)`);
}

await runBench(main, cleanups);
