// A fleet of hollow hosts against one control plane on its embedded PostgreSQL, at several sizes:
//   node --import tsx bench/fleet-scale.ts [--controllers=off] [SIZES...]   (default 250 1000 2000 5000; needs a `next build`)
// --controllers=off runs the control planes with GANTRY_CONTROLLERS=off (no scheduler, controllers or node sync), to
// see the fleet's own cost apart from the Nodes kept for its hosts.
// Hollow hosts (test/support/hollow-fleet.ts) are the real agent code — agent/join.ts and agent/link.ts — with made-up
// facts and an inventory of 18 containers and 3 images each, no engine; they run in worker processes of up to 1,250
// hosts each, beating every 10 s. For each size, on a fresh control plane:
//   join storm      tokens minted first; then every host joins at once and connects as soon as it has its credential:
//                   the time until every inventory is accepted (and the joins told "busy, retry after")
//   steady state    heartbeats only, 30 s: CPU of the server process and of Postgres (postmaster and its backends),
//                   server RSS, Postgres RSS summed over its processes and PSS (shared buffers counted once)
//   GET /api/v1/hosts  200 requests one after another, random pages of 50: p50 and p99
//   reconnect storm the control plane is killed (SIGKILL), every host's inventory changes, it starts again on the
//                   same data and port: the time from the kill until every host's changed inventory is accepted,
//                   from its first answer likewise, how many were in within 60 s, how many never came (lost: not in
//                   after 5 minutes), the "retry after" answers, inventories refused or unacknowledged on the way, server
//                   errors logged, and the server's peak and final RSS
// Prints one line of figures per size and the load average.
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../test/support/control-plane.ts";
import { mintJoinToken } from "../test/support/agent.ts";
import { setupOwner, signIn } from "../test/support/session.ts";
import { HollowFleet, type HollowCounters } from "../test/support/hollow-fleet.ts";
import { Cleanups, loadAverage, oneDecimal, quantile, runBench } from "./support.ts";

const PER_WORKER = 1_250;
const STEADY_MS = 30_000;
const CP_ENV: Record<string, string> = process.argv.includes("--controllers=off") ? { GANTRY_CONTROLLERS: "off" } : {};
/** After a restart, a host whose changed inventory is not in after this long counts as lost. */
const RECONNECT_CAP_MS = 300_000;

// ---------------------------------------------------------------- worker: a slice of the fleet

type Command = { cmd: "init"; url: string; cookie: string; count: number; prefix: string } | { cmd: "mint" | "join" | "churn" | "counters" | "stop" };
type Request = Command & { id: number };

if (process.argv.includes("--hollow-worker")) {
  let fleet: HollowFleet | undefined;
  process.on("disconnect", () => process.exit(0)); // the bench is gone: so is its slice of the fleet
  process.on("message", async (m: Request) => {
    const reply = (msg: object) => process.connected && process.send!({ ...msg, id: m.id });
    try {
      if (m.cmd === "init") {
        fleet = new HollowFleet({ serverUrl: m.url, prefix: m.prefix, mintToken: async () => (await mintJoinToken(m.url, m.cookie)).token }, m.count);
        reply({ ok: true });
      } else if (m.cmd === "mint") {
        await fleet!.mint(10);
        reply({ ok: true });
      } else if (m.cmd === "join") {
        const joinMs = await fleet!.join({ connect: true });
        reply({ ok: true, joinMs, ids: fleet!.hosts.map((h) => h.hostId) });
      } else if (m.cmd === "churn") {
        for (const h of fleet!.hosts) h.churn();
        reply({ ok: true });
      } else if (m.cmd === "counters") {
        reply({ ok: true, counters: fleet!.counters, notes: fleet!.notes.slice(0, 5), stages: fleet!.stages() });
      } else if (m.cmd === "stop") {
        fleet?.stop();
        reply({ ok: true });
        setTimeout(() => process.exit(0), 100);
      }
    } catch (e) {
      reply({ ok: false, error: (e as Error).stack ?? String(e) });
    }
  });
} else {
  const cleanups = new Cleanups();
  cleanups.runOnSignals();
  void runBench(() => main(cleanups), cleanups);
}

// ---------------------------------------------------------------- the bench

interface Worker {
  child: ChildProcess;
  ask(m: Command): Promise<any>;
}

function startWorker(cleanups: Cleanups): Worker {
  const child = fork(import.meta.filename, ["--hollow-worker"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  cleanups.push("stop a hollow worker", () => void (child.exitCode === null && child.kill("SIGKILL")));
  const pending = new Map<number, (m: any) => void>();
  let ids = 0;
  child.on("message", (m: { id: number }) => {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  return {
    child,
    ask: (m) =>
      new Promise((resolve, reject) => {
        const id = ++ids;
        pending.set(id, (r: { ok: boolean; error?: string }) => (r.ok ? resolve(r) : reject(new Error(`hollow worker: ${r.error}`))));
        child.send({ ...m, id });
      }),
  };
}

/** utime + stime of a process, in ms (0 once it is gone). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The embedded Postgres: its postmaster (from postmaster.pid) and every process it started. */
function postgresPids(cp: ControlPlane): number[] {
  const postmaster = Number(readFileSync(join(cp.dataDir, "postgres/data/postmaster.pid"), "utf8").split("\n")[0]);
  const pids = [postmaster];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      if (ppid === postmaster) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function sql<T = any>(cp: ControlPlane, text: string, args: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: cp.databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, args)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Hosts whose inventory was accepted since `since` (ms) and holds the churned container when `churned`. */
async function syncedSince(cp: ControlPlane, since: number, churned: boolean): Promise<number> {
  const rows = await sql(
    cp,
    `SELECT count(*)::int AS n FROM "Host" h WHERE h."revokedAt" IS NULL AND h."syncStartedAt" IS NULL AND h."syncedAt" >= (to_timestamp($1::double precision / 1000) AT TIME ZONE 'UTC')
       AND ($2::boolean IS FALSE OR EXISTS (SELECT 1 FROM "Container" c WHERE c."hostId" = h.id AND c."containerId" = h.name || '-c18'))`,
    [since, churned],
  );
  return rows[0].n;
}

/** Polls `probe` until it returns true; every 15 s prints `progress()`, so a storm that stalls shows where. */
async function waitUntil(what: string, probe: () => Promise<boolean>, ms: number, progress: () => Promise<string>, every = 250): Promise<number> {
  const t0 = Date.now();
  let said = t0;
  while (!(await probe())) {
    if (Date.now() - said > 15_000) {
      said = Date.now();
      console.log(`  ${secs(said - t0)}: ${await progress()}`);
    }
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${secs(ms)}; ${await progress()}`);
    await new Promise((r) => setTimeout(r, every));
  }
  return Date.now() - t0;
}

function sumCounters(all: HollowCounters[]): HollowCounters {
  const out = { ...all[0]! };
  for (const c of all.slice(1)) for (const k of Object.keys(out) as (keyof HollowCounters)[]) out[k] += c[k];
  return out;
}

async function runSize(cleanups: Cleanups, size: number) {
  const own = new Cleanups();
  try {
    console.log(`\n== ${size} hosts (load average ${loadAverage()})${CP_ENV.GANTRY_CONTROLLERS ? ", GANTRY_CONTROLLERS=off" : ""}`);
    const cp = await startControlPlane({ env: CP_ENV });
    own.push("destroy the control plane", () => cp.destroy());
    const owner = await setupOwner(cp);
    const cookie = await signIn(cp, owner.email, owner.password);
    const prefix = `bench-${randomBytes(2).toString("hex")}`;
    const workers: Worker[] = [];
    for (let i = 0; i * PER_WORKER < size; i++) {
      const w = startWorker(cleanups);
      own.push("stop a worker", () => w.ask({ cmd: "stop" }).catch(() => {}));
      await w.ask({ cmd: "init", url: cp.url, cookie, count: Math.min(PER_WORKER, size - i * PER_WORKER), prefix: `${prefix}-w${i}` });
      workers.push(w);
    }
    const all = (m: Command) => Promise.all(workers.map((w) => w.ask(m)));
    const counters = async () => sumCounters((await all({ cmd: "counters" })).map((r) => r.counters));

    // ---- join storm
    await all({ cmd: "mint" });
    const joinAt = Date.now();
    let joinFailed: Error | undefined;
    const joined = all({ cmd: "join" }).catch((e: Error) => {
      joinFailed = e;
      return [];
    });
    const progress = (c: ControlPlane, since: number, churned: boolean) => async () => {
      const replies = await all({ cmd: "counters" });
      const agents = sumCounters(replies.map((r) => r.counters));
      const stages: Record<string, number> = {};
      for (const r of replies) for (const [k, n] of Object.entries(r.stages.counts as Record<string, number>)) stages[k] = (stages[k] ?? 0) + n;
      const joining = replies.flatMap((r) => r.stages.joining as string[]).slice(0, 3);
      const tail = c.output().split("\n").filter((l) => /fail|error/i.test(l)).slice(-3).join(" | ");
      return (
        `${await syncedSince(c, since, churned)}/${size} synced; hosts ${JSON.stringify(stages)}; agents ${JSON.stringify(agents)}` +
        (joining.length ? `; still joining: ${joining.join(" | ").slice(0, 600)}` : "") +
        (tail ? `; server said: ${tail.slice(0, 600)}` : "")
      );
    };
    const joinStorm = await waitUntil(
      "every inventory after the join storm",
      async () => {
        if (joinFailed) throw joinFailed;
        return (await syncedSince(cp, joinAt - 1000, false)) >= size;
      },
      600_000,
      progress(cp, joinAt - 1000, false),
    );
    const joinMs = (await joined).flatMap((r) => r.joinMs as number[]);
    const afterJoin = await counters();
    console.log(
      `join storm: all ${size} inventories accepted ${secs(joinStorm)} after the joins began; joins p50 ${secs(quantile(joinMs, 0.5))}, p99 ${secs(quantile(joinMs, 0.99))}, ` +
        `${afterJoin.joinsBusy} "busy, retry after" answers; pages refused ${afterJoin.pagesRejected}, unacknowledged ${afterJoin.pagesUnacknowledged}`,
    );

    // ---- steady state: heartbeats only
    await new Promise((r) => setTimeout(r, 15_000)); // the storm's tail (queued hellos, sweeps) settles
    const serverPid = cp.process.pid!;
    const pgPids = postgresPids(cp);
    // Per process: one that started meanwhile counts from 0, one that ended is lost (the pool's connections stay).
    const pg0 = new Map(pgPids.map((p) => [p, cpuMs(p)]));
    const cpu0 = { server: cpuMs(serverPid), at: Date.now() };
    await new Promise((r) => setTimeout(r, STEADY_MS));
    const pgNow = postgresPids(cp);
    const cpu1 = { server: cpuMs(serverPid), pg: pgNow.reduce((n, p) => n + Math.max(0, cpuMs(p) - (pg0.get(p) ?? 0)), 0), at: Date.now() };
    const wall = cpu1.at - cpu0.at;
    const steady = {
      serverCpu: (100 * (cpu1.server - cpu0.server)) / wall,
      pgCpu: (100 * cpu1.pg) / wall,
      serverRss: statusKb(serverPid, "VmRSS"),
      pgRss: pgNow.reduce((n, p) => n + statusKb(p, "VmRSS"), 0),
      pgPss: pgNow.reduce((n, p) => n + pssKb(p), 0),
    };
    console.log(
      `steady state (${secs(wall)}): server ${oneDecimal(steady.serverCpu)}% CPU, RSS ${mb(steady.serverRss)}; Postgres ${oneDecimal(steady.pgCpu)}% CPU, ` +
        `${pgNow.length} processes, RSS summed ${mb(steady.pgRss)}, PSS ${mb(steady.pgPss)}`,
    );

    // ---- GET /api/v1/hosts
    const lat: number[] = [];
    let apiErrors = 0;
    for (let i = 0; i < 200; i++) {
      const page = 1 + Math.floor(Math.random() * Math.ceil(size / 50));
      const t0 = performance.now();
      const res = await fetch(`${cp.url}/api/v1/hosts?page=${page}&pageSize=50`, { headers: { cookie } });
      await res.arrayBuffer();
      lat.push(performance.now() - t0);
      if (res.status !== 200) apiErrors++;
    }
    console.log(`GET /api/v1/hosts (pages of 50): p50 ${oneDecimal(quantile(lat, 0.5))} ms, p99 ${oneDecimal(quantile(lat, 0.99))} ms${apiErrors ? `, ${apiErrors} not 200` : ""}`);

    // ---- reconnect storm
    const before = await counters();
    const killAt = Date.now();
    await cp.kill();
    await all({ cmd: "churn" });
    // BENCH_CPU_PROF=DIR: the restarted control plane writes a V8 CPU profile there when it stops.
    const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const restarted = await startControlPlane({ dataDir: cp.dataDir, port: cp.port, nodeArgs: prof, env: CP_ENV });
    own.push("stop the restarted control plane", () => restarted.stop());
    const answeredAt = Date.now();
    // CPU while the fleet comes back: the control plane, its Postgres, and the hollow hosts' processes.
    const rcPg = postgresPids(restarted);
    const rc0 = { server: cpuMs(restarted.process.pid!), pg: new Map(rcPg.map((p) => [p, cpuMs(p)])), workers: workers.reduce((n, w) => n + cpuMs(w.child.pid!), 0) };
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, statusKb(restarted.process.pid!, "VmRSS"))), 250);
    // Until every host's changed inventory is in, or RECONNECT_CAP_MS: hosts without it by then are counted as lost.
    let at60 = -1;
    let accepted = 0;
    let said = killAt;
    const report = progress(restarted, killAt, true);
    try {
      for (;;) {
        accepted = await syncedSince(restarted, killAt, true);
        if (at60 < 0 && Date.now() - killAt >= 60_000) at60 = accepted;
        if (accepted >= size || Date.now() - killAt > RECONNECT_CAP_MS) break;
        if (Date.now() - said > 15_000) {
          said = Date.now();
          console.log(`  ${secs(said - killAt)} after the kill: ${await report()}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      clearInterval(sampler);
    }
    const doneAt = Date.now();
    const rcWall = doneAt - answeredAt;
    const rcCpu = {
      server: (100 * (cpuMs(restarted.process.pid!) - rc0.server)) / rcWall,
      pg: (100 * postgresPids(restarted).reduce((n, p) => n + Math.max(0, cpuMs(p) - (rc0.pg.get(p) ?? 0)), 0)) / rcWall,
      workers: (100 * (workers.reduce((n, w) => n + cpuMs(w.child.pid!), 0) - rc0.workers)) / rcWall,
    };
    if (at60 < 0) at60 = accepted; // all in before 60 s
    const lost = size - accepted;
    const after = await counters();
    const finalRss = statusKb(restarted.process.pid!, "VmRSS");
    const serverErrors = restarted.output().split("\n").filter((l) => /unhandled error|failed|Unable to start a transaction/i.test(l)).length;
    console.log(
      `reconnect storm: ${accepted}/${size} changed inventories accepted${lost ? ` (${lost} LOST: none within ${secs(RECONNECT_CAP_MS)})` : ""} ${secs(doneAt - killAt)} after the kill ` +
        `(${secs(doneAt - answeredAt)} after the control plane answered, which took ${secs(answeredAt - killAt)}); ${at60}/${size} within 60 s of the kill; ` +
        `on the way ${after.pagesBusy - before.pagesBusy} pages told "retry after", ${after.connectsBusy - before.connectsBusy} connections told "retry after", ` +
        `${after.pagesRejected - before.pagesRejected} pages refused, ${after.pagesUnacknowledged - before.pagesUnacknowledged} unacknowledged, ` +
        `${after.helloFailed - before.helloFailed} hellos failed, ${serverErrors} server errors logged; server RSS peak ${mb(peakRss)}, after ${mb(finalRss)}; ` +
        `CPU meanwhile: server ${oneDecimal(rcCpu.server)}%, Postgres ${oneDecimal(rcCpu.pg)}%, hollow hosts ${oneDecimal(rcCpu.workers)}% (100% = one core)`,
    );
    const notes = (await all({ cmd: "counters" })).flatMap((r) => r.notes as string[]).filter((n) => !/ is busy /.test(n));
    if (notes.length) console.log(`  agents said: ${notes.slice(0, 5).join(" | ")}`);
    console.log(
      `RESULT ${size} hosts | steady server ${oneDecimal(steady.serverCpu)}%, Postgres ${oneDecimal(steady.pgCpu)}% | hosts p99 ${oneDecimal(quantile(lat, 0.99))} ms | ` +
        `join storm ${secs(joinStorm)} (${afterJoin.joinsBusy} told to retry) | reconnect ${accepted}/${size} in ${secs(doneAt - killAt)} from the kill, ` +
        `${at60}/${size} within 60 s, lost ${lost} | server RSS peak ${mb(peakRss)}, steady ${mb(steady.serverRss)} | load ${loadAverage()}`,
    );
  } finally {
    await own.run();
  }
}

async function main(cleanups: Cleanups) {
  const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
  for (const size of sizes.length ? sizes : [250, 1000, 2000, 5000]) await runSize(cleanups, size);
  console.log(`\nload average at the end: ${loadAverage()}`);
}
