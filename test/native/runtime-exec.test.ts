// gantry-runtime: exec (with and without a terminal), console sockets, ps, pause/resume, update, spec, features.
import { test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, defaultSpec, runtimeHarness, REPO_ROOT, type RuntimeHarness, type Bundle } from "../support/bundle.ts";

const work = mkdtempSync(join(tmpdir(), "gantry-rte-"));
const receiver = join(work, "console_receiver");

before(() => {
  execFileSync("make", ["-s", "-C", join(REPO_ROOT, "native"), "build/gantry-runtime"], { stdio: "inherit" });
  execFileSync("gcc", ["-O2", "-o", receiver, join(import.meta.dirname, "fixtures/console_receiver.c")]);
});
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanups.reverse()) {
    try {
      undo();
    } catch {
      // keep undoing the rest
    }
  }
  cleanups = [];
});

let seq = 0;
const uniqueId = (tag: string) => `rte-${tag}-${process.pid}-${++seq}`;

function harness(): RuntimeHarness {
  const h = runtimeHarness();
  cleanups.push(() => h.cleanup());
  return h;
}

let sharedBundle: Bundle | undefined;
function bundle(args: string[], adjust: (spec: any) => void = () => {}): Bundle {
  sharedBundle ??= makeBundle("gantry-rte-bundle-");
  const spec = defaultSpec(args);
  adjust(spec);
  sharedBundle.writeConfig(spec);
  return sharedBundle;
}
process.on("exit", () => sharedBundle?.cleanup());

function scratch(): string {
  const d = mkdtempSync(join(work, "out-"));
  return d;
}

/** A detached container that sleeps, for exec to enter. */
function sleeper(h: RuntimeHarness, adjust: (spec: any) => void = () => {}): string {
  const out = scratch();
  const b = bundle(["/bin/sleep", "300"], adjust);
  const id = h.track(uniqueId("box"));
  h.ok(["run", "-d", "-b", b.dir, id], { stdoutFile: join(out, "log") });
  return id;
}

/** Starts console_receiver on a fresh socket; resolves with what it read from the pty once the pty closes. */
function consoleReceiver(input = ""): { socket: string; ready: Promise<void>; output: Promise<{ out: string; err: string }> } {
  const socket = join(scratch(), "console.sock");
  const child = spawn(receiver, [socket, input], { stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => child.kill("SIGKILL"));
  let out = "";
  let err = "";
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => {
    err += d;
    if (err.includes("listening")) markReady();
  });
  const output = new Promise<{ out: string; err: string }>((resolve) => child.on("exit", () => resolve({ out, err })));
  return { socket, ready, output };
}

test("exec without a terminal: output, exit status, env, cwd, user; refused in a stopped container", () => {
  const h = harness();
  const id = sleeper(h);
  const initPid = JSON.parse(h.ok(["state", id])).pid;
  const out = h.ok(["exec", "--env", "GREETING=hi", "--cwd", "/tmp", "--user", "1000:1000", id,
    "/bin/sh", "-c", "echo pid-is-not-1=$(test $$ != 1 && echo yes); echo $GREETING; pwd; id -u; id -g; cat /proc/1/cmdline | tr '\\0' ' '"]);
  assert.match(out, /^pid-is-not-1=yes$/m);
  assert.match(out, /^hi$/m);
  assert.match(out, /^\/tmp$/m);
  assert.match(out, /^1000\n1000$/m);
  assert.match(out, /^\/bin\/sleep 300 $/m, "same pid namespace as the container's init");
  assert.equal(h.run(["exec", id, "/bin/sh", "-c", "exit 42"]).status, 42);
  const missing = h.run(["exec", id, "no-such-program"]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /executable file not found in \$PATH/);

  // --process FILE: a whole process object.
  const proc = join(scratch(), "process.json");
  writeFileSync(proc, JSON.stringify({ args: ["/bin/sh", "-c", "echo from-file $X"], env: ["X=1", "PATH=/bin"], cwd: "/", user: { uid: 0, gid: 0 } }));
  assert.match(h.ok(["exec", "--process", proc, id]), /^from-file 1$/m);
  const badProc = join(scratch(), "bad.json");
  writeFileSync(badProc, JSON.stringify({ args: ["/bin/true"], cwd: "/" }));
  assert.match(h.run(["exec", "--process", badProc, id]).stderr, /process\.user: is required/);

  // -d with --pid-file: the process runs on its own.
  const pidFile = join(scratch(), "exec.pid");
  h.ok(["exec", "-d", "--pid-file", pidFile, id, "/bin/sleep", "30"], { stdoutFile: join(scratch(), "log") });
  const execPid = Number(readFileSync(pidFile, "utf8"));
  assert.ok(existsSync(`/proc/${execPid}`));
  const ps = JSON.parse(h.ok(["ps", "--format", "json", id]));
  assert.ok(ps.includes(initPid) && ps.includes(execPid), `ps lists init and the exec: ${ps}`);
  const table = h.ok(["ps", id]);
  assert.match(table, /PID/);
  assert.match(table, /sleep 30/);

  h.ok(["kill", id, "KILL"]);
  const deadline = Date.now() + 5000;
  while (JSON.parse(h.ok(["state", id])).status !== "stopped" && Date.now() < deadline) execFileSync("sleep", ["0.02"]);
  const refused = h.run(["exec", id, "/bin/true"]);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /it is stopped/);
});

test("exec -t hands the pty master to the console socket; the process has a controlling terminal", async () => {
  const h = harness();
  const id = sleeper(h);
  const rx = consoleReceiver("typed\n");
  await rx.ready;
  const r = h.run(["exec", "-t", "--console-socket", rx.socket, id, "/bin/sh", "-c", "tty; test -t 0 && echo stdin-tty; read v; echo got=$v"]);
  assert.equal(r.status, 0, r.stderr);
  const { out, err } = await rx.output;
  assert.match(err, /received \/dev\/pts\/\d+/);
  assert.match(out, /\/dev\/pts\/\d+/);
  assert.match(out, /stdin-tty/);
  assert.match(out, /got=typed/);
});

test("create with a terminal: the console socket gets the init's pty; /dev/console is that pty", async () => {
  const h = harness();
  const rx = consoleReceiver();
  await rx.ready;
  const b = bundle(["/bin/sh", "-c", "tty; ls -l /dev/console; stty size"], (s) => {
    s.process.terminal = true;
    s.process.consoleSize = { height: 33, width: 101 };
  });
  const id = h.track(uniqueId("tty"));
  const noSocket = h.run(["create", "-b", b.dir, uniqueId("nosock")]);
  assert.match(noSocket.stderr, /needs --console-socket/);
  h.ok(["create", "--console-socket", rx.socket, "-b", b.dir, id]);
  h.ok(["start", id]);
  const { out } = await rx.output;
  assert.match(out, /^\/dev\/pts\/0\r?$/m);
  assert.match(out, /136, +0 .*\/dev\/console/);
  assert.match(out, /^33 101\r?$/m);
});

test("pause and resume freeze the container; update changes its pids limit", async () => {
  const h = harness();
  const id = sleeper(h);
  h.ok(["pause", id]);
  assert.equal(JSON.parse(h.ok(["state", id])).status, "paused");
  assert.match(h.run(["pause", id]).stderr, /it is paused/);
  h.ok(["resume", id]);
  assert.equal(JSON.parse(h.ok(["state", id])).status, "running");
  h.ok(["update", "--pids-limit", "42", id]);
  const seen = h.ok(["exec", id, "/bin/sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"]);
  assert.equal(seen.trim(), "42");
  const bad = h.run(["update", "--pids-limit", "lots", id]);
  assert.match(bad.stderr, /--pids-limit "lots" is not a number/);
});

test("spec writes a config run accepts; features describes the runtime", () => {
  const h = harness();
  const b = makeBundle("gantry-rte-spec-");
  cleanups.push(() => b.cleanup());
  h.ok(["spec", "--bundle", b.dir]);
  const spec = JSON.parse(readFileSync(join(b.dir, "config.json"), "utf8"));
  assert.equal(spec.ociVersion, "1.0.2");
  assert.match(h.run(["spec", "--bundle", b.dir]).stderr, /already exists/);
  spec.process.terminal = false;
  spec.process.args = ["/bin/sh", "-c", "hostname"];
  writeFileSync(join(b.dir, "config.json"), JSON.stringify(spec));
  assert.equal(h.ok(["run", "-b", b.dir, h.track(uniqueId("spec"))]).trim(), "gantry");
  const features = JSON.parse(h.ok(["features"]));
  assert.deepEqual(features.hooks, ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
  assert.ok(features.linux.namespaces.includes("user"));
  assert.ok(features.linux.capabilities.includes("CAP_SYS_ADMIN"));
  assert.equal(features.linux.cgroup.v1, true);
});

test("run in the foreground with a terminal and no console socket proxies the pty to the caller", () => {
  const h = harness();
  const b = bundle(["/bin/sh", "-c", "tty; read v; echo got=$v; exit 5"], (s) => (s.process.terminal = true));
  const r = h.run(["run", "-b", b.dir, h.track(uniqueId("fgtty"))], { input: "typed\n" });
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stdout, /^\/dev\/pts\/0\r?$/m);
  assert.match(r.stdout, /got=typed/);
  const detached = h.run(["run", "-d", "-b", b.dir, uniqueId("dtty")]);
  assert.match(detached.stderr, /needs --console-socket/);
});

test("exec enters a container's user namespace too", () => {
  const h = harness();
  chmodSync(bundle(["/bin/true"]).dir, 0o755); // reachable by the namespace's root, an unprivileged uid on the host
  const id = sleeper(h, (s) => {
    s.linux.namespaces.push({ type: "user" });
    s.linux.uidMappings = [{ containerID: 0, hostID: 400000, size: 65536 }];
    s.linux.gidMappings = [{ containerID: 0, hostID: 400000, size: 65536 }];
  });
  const out = h.ok(["exec", "--user", "7:7", id, "/bin/sh", "-c", "id -u; id -g; cat /proc/self/uid_map"]);
  assert.deepEqual(out.trim().split("\n").map((l) => l.trim().split(/\s+/).join(" ")), ["7", "7", "0 400000 65536"]);
  const pid = Number(h.ok(["exec", id, "/bin/sh", "-c", "echo $$"]).trim());
  assert.ok(pid > 1);
});
