// gantry-monitor: the per-container supervisor, driven as the agent drives it, on real busybox containers.
import { describe, test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, defaultSpec, GANTRY_MONITOR, GANTRY_RUNTIME, REPO_ROOT } from "../support/bundle.ts";

// The OCI runtimes the monitor drives: ours, and runc (the monitor works with anything that has runc's command line).
const RUNTIMES = [GANTRY_RUNTIME, "/usr/sbin/runc"];

// Undo steps for the current test, run last-in first-out even when the test failed.
let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanups.reverse()) {
    try {
      undo();
    } catch {
      // best effort: the next step still runs
    }
  }
  cleanups = [];
});

before(() => {
  execFileSync("make", ["-s", "-C", join(REPO_ROOT, "native"), "build/gantry-monitor", "build/gantry-runtime"], { stdio: "inherit" });
});

let seq = 0;

interface World {
  runtime: string;
  id: string;
  dir: string;
  root: string;
  bundle: string;
  log: string;
  exitFile: string;
  pidFile: string;
  containerPidFile: string;
  attachSocket: string;
}

/** A fresh bundle running `args`, a runtime state root and paths for the monitor's files; all removed afterwards. */
function makeWorld(runtime: string, args: string[], adjust: (spec: any) => void = () => {}, terminal = false): World {
  const bundle = makeBundle("gantry-mon-bundle-");
  const spec = defaultSpec(args, terminal);
  adjust(spec);
  bundle.writeConfig(spec);
  const dir = mkdtempSync(join(tmpdir(), "gantry-mon-"));
  const id = `mon-${process.pid}-${++seq}`;
  const w: World = {
    runtime,
    id,
    dir,
    root: join(dir, "state"),
    bundle: bundle.dir,
    log: join(dir, "ctr.log"),
    exitFile: join(dir, "exit.json"),
    pidFile: join(dir, "monitor.pid"),
    containerPidFile: join(dir, "container.pid"),
    attachSocket: join(dir, "attach.sock"),
  };
  cleanups.push(() => bundle.cleanup());
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => {
    // the container first (the monitor then finishes by itself), then a monitor that is somehow still there
    spawnSync(runtime, ["--root", w.root, "delete", "--force", id], { stdio: "ignore" });
    const pid = readPid(w.pidFile);
    if (pid && alive(pid)) process.kill(pid, "SIGKILL");
  });
  return w;
}

function monitorArgs(w: World, extra: string[] = []): string[] {
  return [
    "--id", w.id, "--bundle", w.bundle, "--runtime", w.runtime, "--root", w.root,
    "--log-path", w.log, "--exit-file", w.exitFile, "--pid-file", w.pidFile,
    "--container-pid-file", w.containerPidFile, "--monitor-log", join(w.dir, "monitor.log"), ...extra,
  ];
}

/** Runs the monitor as the agent does and returns once the container has started (or failed to). */
function startMonitor(w: World, extra: string[] = []) {
  const r = spawnSync(GANTRY_MONITOR, monitorArgs(w, extra), { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function startOk(w: World, extra: string[] = []): { monitorPid: number; containerPid: number } {
  const r = startMonitor(w, extra);
  assert.equal(r.status, 0, `monitor failed to start the container: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function procStat(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" "); // [0] state, [1] ppid, [2] pgrp, [3] session
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st[0] !== "Z";
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface ExitRecord {
  exitCode: number;
  signal: number | null;
  exitedAt: string;
  oomKilled: boolean;
}

async function waitExit(w: World, timeoutMs = 15_000): Promise<ExitRecord> {
  const text = await waitFor("the exit file", () => existsSync(w.exitFile) && readFileSync(w.exitFile, "utf8"), timeoutMs);
  const rec = JSON.parse(text) as ExitRecord;
  assert.deepEqual(Object.keys(rec).sort(), ["exitCode", "exitedAt", "oomKilled", "signal"]);
  assertTimestamp(rec.exitedAt);
  // the monitor finishes: deletes the container and exits
  const pid = readPid(w.pidFile)!;
  await waitFor("the monitor to exit", () => !alive(pid));
  return rec;
}

const RECORD = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) (.*)$/s;

interface LogRecord {
  time: string;
  stream: "stdout" | "stderr";
  tag: "F" | "P";
  content: string;
}

function assertTimestamp(ts: string) {
  assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  const ms = Date.parse(ts);
  assert.ok(Number.isFinite(ms), `not a time: ${ts}`);
  assert.ok(Math.abs(ms - Date.now()) < 10 * 60_000, `timestamp far from now: ${ts}`);
}

/** Parses a CRI log file; every line must be a well-formed record. */
function parseLog(path: string): LogRecord[] {
  const text = readFileSync(path, "utf8");
  if (text === "") return [];
  assert.ok(text.endsWith("\n"), "a log file ends with a whole record");
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      const m = RECORD.exec(line);
      assert.ok(m, `not a CRI log record: ${JSON.stringify(line)}`);
      assertTimestamp(m[1]);
      return { time: m[1], stream: m[2] as LogRecord["stream"], tag: m[3] as LogRecord["tag"], content: m[4] };
    });
}

/** Whole lines of one stream, P records joined to the F record that ends them. */
function lines(records: LogRecord[], stream: "stdout" | "stderr"): string[] {
  const out: string[] = [];
  let partial = "";
  for (const r of records) {
    if (r.stream !== stream) continue;
    partial += r.content;
    if (r.tag === "F") {
      out.push(partial);
      partial = "";
    }
  }
  if (partial) out.push(partial);
  return out;
}

// Attach protocol: 1 byte type, 4 bytes big-endian length, payload.
const FRAME = { stdin: 0, stdout: 1, stderr: 2, resize: 3, closeStdin: 4, exit: 5 } as const;

class AttachClient {
  readonly frames: Array<{ type: number; data: Buffer }> = [];
  private pending = Buffer.alloc(0);
  ended = false;
  private constructor(readonly sock: Socket) {
    sock.on("data", (chunk) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 5) {
        const len = this.pending.readUInt32BE(1);
        if (this.pending.length < 5 + len) break;
        this.frames.push({ type: this.pending[0], data: this.pending.subarray(5, 5 + len) });
        this.pending = this.pending.subarray(5 + len);
      }
    });
    sock.on("end", () => (this.ended = true));
    sock.on("error", () => (this.ended = true));
  }
  static connect(path: string): Promise<AttachClient> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      sock.once("connect", () => resolve(new AttachClient(sock)));
      sock.once("error", reject);
    });
  }
  send(type: number, payload: Buffer | string = Buffer.alloc(0)) {
    const data = Buffer.from(payload);
    const head = Buffer.alloc(5);
    head[0] = type;
    head.writeUInt32BE(data.length, 1);
    this.sock.write(Buffer.concat([head, data]));
  }
  text(type: number): string {
    return Buffer.concat(this.frames.filter((f) => f.type === type).map((f) => f.data)).toString("utf8");
  }
}

for (const RUNTIME of RUNTIMES) {
  describe(`gantry-monitor driving ${RUNTIME.split("/").pop()}`, () => {
    const world = (args: string[], adjust?: (spec: any) => void, terminal?: boolean) => makeWorld(RUNTIME, args, adjust, terminal);

    test("--help, bad command lines and a container that cannot start are reported synchronously", () => {
      const help = spawnSync(GANTRY_MONITOR, ["--help"], { encoding: "utf8" });
      assert.equal(help.status, 0);
      assert.match(help.stdout, /Usage: gantry-monitor/);
      assert.match(help.stdout, /--attach-socket/);

      const w = world(["/no/such/program"]);
      const noId = spawnSync(GANTRY_MONITOR, ["--bundle", w.bundle, "--log-path", w.log, "--exit-file", w.exitFile], { encoding: "utf8" });
      assert.equal(noId.status, 2);
      assert.match(noId.stderr, /gantry-monitor: --id is required/);
      const badId = spawnSync(GANTRY_MONITOR, monitorArgs({ ...w, id: "../evil" }), { encoding: "utf8" });
      assert.equal(badId.status, 2);
      assert.match(badId.stderr, /invalid container id \.\.\/evil/);
      const badSize = spawnSync(GANTRY_MONITOR, monitorArgs(w, ["--log-max-size", "12k"]), { encoding: "utf8" });
      assert.equal(badSize.status, 2);
      assert.match(badSize.stderr, /--log-max-size: not a byte count: 12k/);
      const notTty = spawnSync(GANTRY_MONITOR, monitorArgs(w, ["--terminal"]), { encoding: "utf8" });
      assert.equal(notTty.status, 2);
      assert.match(notTty.stderr, /--terminal: \S+config\.json does not set process\.terminal/);
      const broken = makeWorld(RUNTIME, ["true"]);
      writeFileSync(join(broken.bundle, "config.json"), '{"process": {"terminal": true,}}');
      const brokenRun = spawnSync(GANTRY_MONITOR, monitorArgs(broken), { encoding: "utf8" });
      assert.equal(brokenRun.status, 1);
      assert.match(brokenRun.stderr, /^gantry-monitor: read the bundle's config \S+config\.json: invalid JSON/);
      const badExit = spawnSync(GANTRY_MONITOR, monitorArgs({ ...w, exitFile: "/no/such/dir/exit.json" }), { encoding: "utf8" });
      assert.equal(badExit.status, 2);
      assert.match(badExit.stderr, /--exit-file: cannot write in the directory \/no\/such\/dir/);

      const r = startMonitor(w);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^gantry-monitor: create container mon-\S+: .*no\/such\/program/);
      const json = startMonitor(w, ["--log-format", "json"]);
      assert.equal(json.status, 1);
      assert.match(JSON.parse(json.stderr).msg, /create container/);
      // nothing left behind: no container, no monitor
      const list = execFileSync(RUNTIME, ["--root", w.root, "list", "-q"], { encoding: "utf8" });
      assert.equal(list.trim(), "");
      assert.equal(existsSync(w.pidFile), false);
      assert.equal(existsSync(w.exitFile), false);
    });

    test("logs stdout and stderr as timestamped CRI records and records exit code 3", async () => {
      const long = 20_000;
      const w = world([
        "sh", "-c",
        `echo out1; echo err1 >&2; echo out2; head -c ${long} /dev/zero | tr '\\0' a; echo; printf 'no newline'; exit 3`,
      ]);
      const started = startOk(w);
      assert.equal(readPid(w.pidFile), started.monitorPid);
      assert.equal(readPid(w.containerPidFile), started.containerPid);

      const exit = await waitExit(w);
      assert.deepEqual({ ...exit, exitedAt: "" }, { exitCode: 3, signal: null, exitedAt: "", oomKilled: false });

      const records = parseLog(w.log);
      const got = lines(records, "stdout");
      assert.equal(got.length, 4, `stdout lines: ${got.map((l) => l.slice(0, 40))}`);
      assert.ok(got[2] === "a".repeat(long), "the long line is whole");
      assert.deepEqual([got[0], got[1], got[3]], ["out1", "out2", "no newline"]);
      assert.deepEqual(lines(records, "stderr"), ["err1"]);
      // the 20000-byte line was split: P records first, then the F record that ends it
      const longParts = records.filter((r) => r.stream === "stdout" && r.content.startsWith("a"));
      assert.ok(longParts.length >= 2);
      assert.ok(longParts.slice(0, -1).every((r) => r.tag === "P"));
      assert.equal(longParts.at(-1)!.tag, "F");
      // a stream ending without a newline leaves a P record
      const lastOut = records.filter((r) => r.stream === "stdout").at(-1)!;
      assert.deepEqual(lastOut, { ...lastOut, content: "no newline", tag: "P" });
      // (the two pipes are read in turn, so only each stream's own records are in time order)
      for (const stream of ["stdout", "stderr"]) {
        const times = records.filter((r) => r.stream === stream).map((r) => r.time);
        assert.deepEqual(times, [...times].sort(), "timestamps never go backwards");
      }

      // the monitor deleted the container when it exited
      const state = spawnSync(RUNTIME, ["--root", w.root, "state", w.id], { encoding: "utf8" });
      assert.notEqual(state.status, 0);
    });

    test("the container and its log go on after the process that started the monitor is killed with SIGKILL", async () => {
      const w = world(["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.05; done"]);
      // the "agent": a shell that starts the monitor, then lingers; killed with its whole process group
      const agent = spawn("sh", ["-c", '"$0" "$@" && echo started && exec sleep 600', GANTRY_MONITOR, ...monitorArgs(w)], {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      cleanups.push(() => {
        try {
          process.kill(-agent.pid!, "SIGKILL");
        } catch {}
      });
      let out = "";
      agent.stdout!.on("data", (d) => (out += d));
      await waitFor("the agent to report the container started", () => out.includes("started"));
      const monitorPid = readPid(w.pidFile)!;
      const containerPid = readPid(w.containerPidFile)!;
      // detached: neither in the agent's session nor its child
      assert.notEqual(procStat(monitorPid)![3], procStat(agent.pid!)![3]);
      assert.notEqual(Number(procStat(monitorPid)![1]), agent.pid);

      process.kill(-agent.pid!, "SIGKILL");
      await waitFor("the agent to die", () => !alive(agent.pid!));
      const sizeAtKill = statSync(w.log).size;
      await waitFor("the log to keep growing", () => statSync(w.log).size > sizeAtKill + 200);
      assert.ok(alive(monitorPid), "monitor alive");
      assert.ok(alive(containerPid), "container alive");
      const ticks = lines(parseLog(w.log), "stdout");
      assert.ok(ticks.length > 3);
      ticks.forEach((t, i) => assert.equal(t, `tick ${i + 1}`));

      execFileSync(RUNTIME, ["--root", w.root, "kill", w.id, "KILL"]);
      const exit = await waitExit(w);
      assert.equal(exit.signal, 9);
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.oomKilled, false);
    });

    test("a container stopped with SIGTERM through the runtime records the signal; --no-delete leaves it", async () => {
      // without its own pid namespace `sleep` is not an init, so SIGTERM's default action kills it
      const w = world(["sleep", "600"], (spec) => {
        spec.linux.namespaces = spec.linux.namespaces.filter((ns: any) => ns.type !== "pid");
      });
      startOk(w, ["--no-delete"]);
      execFileSync(RUNTIME, ["--root", w.root, "kill", w.id, "TERM"]);
      const exit = await waitExit(w);
      assert.equal(exit.signal, 15);
      assert.equal(exit.exitCode, 143);
      // --no-delete: the stopped container is left for the caller
      const state = JSON.parse(execFileSync(RUNTIME, ["--root", w.root, "state", w.id], { encoding: "utf8" }));
      assert.equal(state.status, "stopped");
      execFileSync(RUNTIME, ["--root", w.root, "delete", w.id]);
    });

    test("a process that outlives the init (no pid namespace) and holds its stdout does not keep the monitor", async () => {
      const w = world(["sh", "-c", "sleep 300 & echo started $!; exit 4"], (spec) => {
        spec.linux.namespaces = spec.linux.namespaces.filter((ns: any) => ns.type !== "pid");
      });
      startOk(w);
      const exit = await waitExit(w, 20_000);
      assert.equal(exit.exitCode, 4);
      const [line] = lines(parseLog(w.log), "stdout");
      assert.match(line, /^started \d+$/);
      // delete --force took the straggler with the container (its pid is a host pid here)
      const straggler = Number(line.split(" ")[1]);
      await waitFor("the straggler to be gone", () => !alive(straggler));
    });

    test("attach: clients receive live stdout and stderr, their stdin reaches the container, leaving is harmless", async () => {
      const w = world(["sh", "-c", 'while read l; do echo "out:$l"; echo "err:$l" >&2; done; echo bye']);
      startOk(w, ["--attach-socket", w.attachSocket, "--stdin"]);
      const a = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => a.sock.destroy());
      // a client that connects and vanishes, and one that breaks the protocol (and is cut off), disturb no one
      const b = await AttachClient.connect(w.attachSocket);
      b.sock.destroy();
      const bad = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => bad.sock.destroy());
      bad.send(9, "what");
      await waitFor("the monitor to drop the misbehaving client", () => bad.ended);

      a.send(FRAME.stdin, "hello\n");
      await waitFor("echoed stdout", () => a.text(FRAME.stdout).includes("out:hello\n"));
      await waitFor("echoed stderr", () => a.text(FRAME.stderr).includes("err:hello\n"));
      // a third client joins; both see the next line
      const c = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => c.sock.destroy());
      a.send(FRAME.stdin, "second\n");
      await waitFor("c sees output", () => c.text(FRAME.stdout).includes("out:second\n"));
      assert.equal(c.text(FRAME.stdout).includes("out:hello"), false, "attach is live, not a replay");

      a.send(FRAME.closeStdin);
      await waitFor("the exit frame", () => a.frames.some((f) => f.type === FRAME.exit));
      const exitFrame = JSON.parse(a.frames.find((f) => f.type === FRAME.exit)!.data.toString());
      assert.equal(exitFrame.exitCode, 0);
      await waitFor("the monitor to close the client", () => a.ended);
      assert.ok(a.text(FRAME.stdout).endsWith("bye\n"));
      const exit = await waitExit(w);
      assert.deepEqual(exit, exitFrame);
      assert.deepEqual(lines(parseLog(w.log), "stdout"), ["out:hello", "out:second", "bye"]);
      assert.deepEqual(lines(parseLog(w.log), "stderr"), ["err:hello", "err:second"]);
      assert.equal(existsSync(w.attachSocket), false, "the attach socket is removed");
    });

    test("attach: input and the close of stdin sent in one write all reach the container before its EOF", async () => {
      const w = world(["cat"]);
      startOk(w, ["--attach-socket", w.attachSocket, "--stdin"]);
      const a = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => a.sock.destroy());
      // a short message and a close in one small write (one read for the monitor), then ~200 KB and a close in one
      // write to a second container: its last read holds input and the close while the pipe may be full. What cat
      // echoed is read from the log (an attach client that falls behind may be cut off; the log gets everything).
      const framed = (type: number, data: Buffer) => {
        const head = Buffer.alloc(5);
        head[0] = type;
        head.writeUInt32BE(data.length, 1);
        return Buffer.concat([head, data]);
      };
      a.sock.write(Buffer.concat([framed(FRAME.stdin, Buffer.from("one\n")), framed(FRAME.stdin, Buffer.from("two\n")), framed(FRAME.closeStdin, Buffer.alloc(0))]));
      assert.equal((await waitExit(w)).exitCode, 0);
      assert.deepEqual(lines(parseLog(w.log), "stdout"), ["one", "two"]);

      const big = world(["cat"]);
      startOk(big, ["--attach-socket", big.attachSocket, "--stdin"]);
      const b = await AttachClient.connect(big.attachSocket);
      cleanups.push(() => b.sock.destroy());
      const sent = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
      const text = sent.map((l) => `${l}\n`).join("");
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += 3000) chunks.push(framed(FRAME.stdin, Buffer.from(text.slice(i, i + 3000))));
      b.sock.write(Buffer.concat([...chunks, framed(FRAME.closeStdin, Buffer.alloc(0))]));
      assert.equal((await waitExit(big, 60_000)).exitCode, 0);
      const got = lines(parseLog(big.log), "stdout");
      assert.equal(got.length, sent.length);
      assert.deepEqual(got, sent);
    });

    test("attach: a client that does not read the output still has all its input and its close of stdin delivered", async () => {
      // ~600 KB echoed back: far more than the client's socket buffer holds, so the monitor gives up sending it output
      // long before it has read all its input (under load, a slow reader such as the agent does the same).
      const w = world(["cat"]);
      startOk(w, ["--attach-socket", w.attachSocket, "--stdin"]);
      const a = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => a.sock.destroy());
      a.sock.pause();
      const sent = Array.from({ length: 60_000 }, (_, i) => `line ${i}`);
      const text = sent.map((l) => `${l}\n`).join("");
      for (let i = 0; i < text.length; i += 4000) a.send(FRAME.stdin, text.slice(i, i + 4000));
      a.send(FRAME.closeStdin);
      assert.equal((await waitExit(w, 30_000)).exitCode, 0);
      assert.deepEqual(lines(parseLog(w.log), "stdout"), sent);
      assert.match(readFileSync(join(w.dir, "monitor.log"), "utf8"), /a client does not keep up with the output/);
      a.sock.resume(); // what it was sent before it fell behind, then the end: the monitor closed it when it finished
      await waitFor("the client's end", () => a.ended);
      assert.ok(!a.frames.some((f) => f.type === FRAME.exit), "no exit frame after output was cut");
    });

    test("attach: a client that hangs up right after its input has all of it delivered, though the container reads it later", async () => {
      // The container reads nothing until /go exists; the client's input fills the stdin pipe and the monitor's queue,
      // the rest (and the close of stdin) waits in the socket when the client hangs up.
      const w = world(["sh", "-c", "until [ -e /go ]; do sleep 0.02; done; exec cat"]);
      startOk(w, ["--attach-socket", w.attachSocket, "--stdin"]);
      const a = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => a.sock.destroy());
      // ~89 KB: more than the pipe (64 KB) and the queue (8 KB) hold, less than the socket takes besides
      const sent = Array.from({ length: 10_000 }, (_, i) => `line ${i}`);
      const text = sent.map((l) => `${l}\n`).join("");
      for (let i = 0; i < text.length; i += 4000) a.send(FRAME.stdin, text.slice(i, i + 4000));
      a.send(FRAME.closeStdin);
      let written = false;
      a.sock.write(Buffer.alloc(0), () => (written = true));
      await waitFor("the input handed to the kernel", () => written);
      a.sock.destroy();
      await new Promise((r) => setTimeout(r, 200)); // the monitor sees the hang-up while its queue is full
      writeFileSync(join(w.bundle, "rootfs", "go"), "");
      assert.equal((await waitExit(w, 30_000)).exitCode, 0);
      assert.deepEqual(lines(parseLog(w.log), "stdout"), sent);
    });

    test("attach: a client that stops reading is cut off; the container and its log do not wait for it", async () => {
      const n = 200_000; // ~1.3 MB of output, far more than a socket buffer holds
      const w = world(["sh", "-c", `read go; seq 1 ${n}`]);
      startOk(w, ["--attach-socket", w.attachSocket, "--stdin"]);
      const stalled = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => stalled.sock.destroy());
      stalled.sock.pause();
      stalled.send(FRAME.stdin, "go\n");
      const exit = await waitExit(w, 60_000);
      assert.equal(exit.exitCode, 0);
      const got = lines(parseLog(w.log), "stdout");
      assert.equal(got.length, n);
      assert.equal(got.at(-1), String(n));
      assert.match(readFileSync(join(w.dir, "monitor.log"), "utf8"), /a client does not keep up with the output/);
    });

    test("a terminal container works through the console socket, with input and resize", async () => {
      const w = world(["sh", "-c", "read x; tty; stty size; echo got:$x"], () => {}, true);
      startOk(w, ["--attach-socket", w.attachSocket, "--stdin"]); // the terminal: from config.json
      const a = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => a.sock.destroy());
      const size = Buffer.alloc(4);
      size.writeUInt16BE(42, 0);
      size.writeUInt16BE(123, 2);
      a.send(FRAME.resize, size);
      a.send(FRAME.stdin, "abc\n");
      await waitFor("the exit frame", () => a.frames.some((f) => f.type === FRAME.exit));
      const out = a.text(FRAME.stdout);
      assert.match(out, /\/dev\/pts\/\d+\r\n/);
      assert.match(out, /42 123\r\n/);
      assert.match(out, /got:abc\r\n/);
      assert.equal(a.text(FRAME.stderr), "", "a terminal has one output stream");
      const exit = await waitExit(w);
      assert.equal(exit.exitCode, 0);
      const logged = lines(parseLog(w.log), "stdout");
      assert.ok(logged.includes("got:abc"), `log: ${JSON.stringify(logged)}`);
      assert.ok(logged.includes("42 123"));
    });

    test("a memory hog over its memory limit is recorded as OOM-killed", async () => {
      const w = world(["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"], (spec) => {
        spec.linux.resources = { ...spec.linux.resources, memory: { limit: 16 * 1024 * 1024 } };
      });
      startOk(w);
      const exit = await waitExit(w);
      assert.equal(exit.oomKilled, true);
      assert.equal(exit.signal, 9);
    });

    test("log rotation by size keeps every line, in order, within the size bound", async () => {
      const n = 3000;
      const maxSize = 4096;
      const all = world(["seq", "1", String(n)]);
      startOk(all, ["--log-max-size", String(maxSize), "--log-max-files", "100"]);
      await waitExit(all);
      const rotated = readdirSync(all.dir).filter((f) => /^ctr\.log\.\d+$/.test(f));
      assert.ok(rotated.length >= 5, `rotated files: ${readdirSync(all.dir)} ${readFileSync(all.log, "utf8").slice(0, 300)} ${readFileSync(join(all.dir, "monitor.log"), "utf8")}`);
      const order = rotated.map((f) => Number(f.split(".").pop())).sort((x, y) => y - x);
      assert.deepEqual(order, Array.from({ length: order.length }, (_, i) => order.length - i), "LOG.1 ... LOG.N without gaps");
      const files = [...order.map((i) => `${all.log}.${i}`), all.log];
      for (const f of files) assert.ok(statSync(f).size <= maxSize, `${f} is ${statSync(f).size} bytes`);
      const got = files.flatMap((f) => lines(parseLog(f), "stdout"));
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => String(i + 1)));

      // with --log-max-files 2 the oldest fall off; what is kept is the newest, contiguous
      const few = world(["seq", "1", String(n)]);
      startOk(few, ["--log-max-size", String(maxSize), "--log-max-files", "2"]);
      await waitExit(few);
      assert.deepEqual(readdirSync(few.dir).filter((f) => f.startsWith("ctr.log")).sort(), ["ctr.log", "ctr.log.1", "ctr.log.2"]);
      const kept = [`${few.log}.2`, `${few.log}.1`, few.log].flatMap((f) => lines(parseLog(f), "stdout")).map(Number);
      assert.equal(kept.at(-1), n);
      kept.forEach((v, i) => i > 0 && assert.equal(v, kept[i - 1] + 1));

      // with --log-max-files 0 only the current file is kept (Docker's max-file=1): it starts afresh when full
      const one = world(["seq", "1", String(n)]);
      startOk(one, ["--log-max-size", String(maxSize), "--log-max-files", "0"]);
      await waitExit(one);
      assert.deepEqual(readdirSync(one.dir).filter((f) => f.startsWith("ctr.log")), ["ctr.log"]);
      assert.ok(statSync(one.log).size <= maxSize);
      const last = lines(parseLog(one.log), "stdout").map(Number);
      assert.equal(last.at(-1), n);
      last.forEach((v, i) => i > 0 && assert.equal(v, last[i - 1] + 1));
    });

    test("without --log-path no log is kept, and attach clients still get every byte of the output", async () => {
      const w = world(["sh", "-c", "read go; echo out-line; echo err-line >&2"]);
      const args = monitorArgs(w, ["--attach-socket", w.attachSocket, "--stdin"]);
      args.splice(args.indexOf("--log-path"), 2);
      const r = spawnSync(GANTRY_MONITOR, args, { encoding: "utf8", timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      const a = await AttachClient.connect(w.attachSocket);
      a.send(FRAME.stdin, "go\n");
      const exit = await waitExit(w);
      assert.equal(exit.exitCode, 0);
      await waitFor("the end of the attach stream", () => a.ended);
      assert.equal(a.text(FRAME.stdout), "out-line\n");
      assert.equal(a.text(FRAME.stderr), "err-line\n");
      assert.deepEqual(readdirSync(w.dir).filter((f) => f.startsWith("ctr.log")), []);
    });

    test("SIGUSR1 reopens the log, so rotation done by someone else loses no lines", async () => {
      const w = world(["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.02; done"]);
      const { monitorPid } = startOk(w);
      await waitFor("some ticks", () => existsSync(w.log) && lines(parseLog(w.log), "stdout").length >= 5);
      renameSync(w.log, `${w.log}.old`);
      process.kill(monitorPid, "SIGUSR1");
      await waitFor("a new log with ticks", () => existsSync(w.log) && lines(parseLog(w.log), "stdout").length >= 5);
      execFileSync(RUNTIME, ["--root", w.root, "kill", w.id, "KILL"]);
      await waitExit(w);
      const ticks = [...lines(parseLog(`${w.log}.old`), "stdout"), ...lines(parseLog(w.log), "stdout")];
      ticks.forEach((t, i) => assert.equal(t, `tick ${i + 1}`));
    });

    test("memory: the monitor's resident set while supervising a container", async () => {
      const w = world(["sh", "-c", "while true; do echo busy; sleep 0.05; done"]);
      const { monitorPid } = startOk(w, ["--attach-socket", w.attachSocket, "--stdin"]);
      const a = await AttachClient.connect(w.attachSocket);
      cleanups.push(() => a.sock.destroy());
      await waitFor("output through attach", () => a.text(FRAME.stdout).includes("busy"));
      await waitFor("a few log records", () => existsSync(w.log) && statSync(w.log).size > 500);
      const kb = (text: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)![1]);
      const status = readFileSync(`/proc/${monitorPid}/status`, "utf8");
      const rollup = readFileSync(`/proc/${monitorPid}/smaps_rollup`, "utf8");
      const rss = kb(status, "VmRSS");
      console.log(
        `gantry-monitor (driving ${RUNTIME.split("/").pop()}) while logging and serving one attach client: VmRSS ${rss} kB, ` +
          `RssAnon ${kb(status, "RssAnon")} kB (private), RssFile ${kb(status, "RssFile")} kB (libc and binary pages, shared), ` +
          `Pss ${kb(rollup, "Pss")} kB`,
      );
      assert.ok(rss < 4096, `monitor RSS ${rss} kB`);
      execFileSync(RUNTIME, ["--root", w.root, "kill", w.id, "KILL"]);
      await waitExit(w);
    });
  });
}
