// gantry-runtime: the OCI lifecycle (create/start/state/kill/delete/run/list), exit codes and signals, and config
// validation — driven as containerd or the agent drive it, on busybox bundles.
import { test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, defaultSpec, runtimeHarness, REPO_ROOT, type RuntimeHarness, type Bundle } from "../support/bundle.ts";

before(() => {
  execFileSync("make", ["-s", "-C", join(REPO_ROOT, "native"), "build/gantry-runtime"], { stdio: "inherit" });
});

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
function uniqueId(tag: string): string {
  return `rt-${tag}-${process.pid}-${++seq}`;
}

function harness(): RuntimeHarness {
  const h = runtimeHarness();
  cleanups.push(() => h.cleanup());
  return h;
}

function bundle(args: string[], adjust: (spec: any) => void = () => {}): Bundle {
  const b = makeBundle("gantry-rt-bundle-");
  cleanups.push(() => b.cleanup());
  const spec = defaultSpec(args);
  adjust(spec);
  b.writeConfig(spec);
  return b;
}

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "gantry-rt-out-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function state(h: RuntimeHarness, id: string): any {
  return JSON.parse(h.ok(["state", id]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** The v1 or v2 cgroup directories that hold a container id in their path. */
function cgroupDirsFor(id: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      if (e.includes(id)) found.push(p);
      else walk(p, depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
}

function runAsync(h: RuntimeHarness, args: string[]) {
  const child = spawn(h.bin, ["--root", h.root, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<{ status: number | null; stderr: string }>((resolve) =>
    child.on("exit", (status) => resolve({ status, stderr })),
  );
  cleanups.push(() => child.kill("SIGKILL"));
  return { child, done };
}

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("run: the container's process is pid 1 with its hostname, and its output reaches the caller", () => {
  const h = harness();
  const b = bundle(["/bin/sh", "-c", "echo pid=$$; hostname; cat /proc/self/status | grep -E '^(NoNewPrivs|Uid)'"], (s) => {
    s.hostname = "gantry-box";
  });
  const id = h.track(uniqueId("run"));
  const out = h.ok(["run", "--bundle", b.dir, id]);
  assert.match(out, /^pid=1$/m);
  assert.match(out, /^gantry-box$/m);
  assert.match(out, /^NoNewPrivs:\s+1$/m);
  assert.match(out, /^Uid:\s+0\s+0\s+0\s+0$/m);
  // A foreground run deletes the container when it ends: no state, no cgroup left.
  assert.equal(existsSync(join(h.root, id)), false);
  assert.deepEqual(cgroupDirsFor(id), []);
});

test("run: exit codes propagate; a signal from kill gives 128+n; signals to run are forwarded", async () => {
  const h = harness();
  const b = bundle(["/bin/sh", "-c", "exit 7"]);
  const r = h.run(["run", "-b", b.dir, h.track(uniqueId("exit"))]);
  assert.equal(r.status, 7, r.stderr);

  // Killed from outside with `kill ID KILL`: the foreground run exits 128+9.
  b.writeConfig(defaultSpec(["/bin/sleep", "60"]));
  const id = h.track(uniqueId("sig"));
  const fg = runAsync(h, ["run", "-b", b.dir, id]);
  await waitFor(() => h.run(["state", id]).stdout.includes('"running"'), "running");
  h.ok(["kill", id, "KILL"]);
  assert.equal((await fg.done).status, 137);

  // SIGTERM sent to the runtime reaches the container, whose trap decides the exit status.
  b.writeConfig(defaultSpec(["/bin/sh", "-c", "trap 'exit 3' TERM; while true; do sleep 0.05; done"]));
  const id2 = h.track(uniqueId("fwd"));
  const fg2 = runAsync(h, ["run", "-b", b.dir, id2]);
  await waitFor(() => h.run(["state", id2]).stdout.includes('"running"'), "running");
  // Until the shell has installed its trap, pid 1 ignores SIGTERM: repeat it until the trap answers.
  const again = setInterval(() => fg2.child.kill("SIGTERM"), 100);
  try {
    assert.equal((await fg2.done).status, 3);
  } finally {
    clearInterval(again);
  }
});

test("create blocks the process before execve; start runs it; state follows the OCI lifecycle; delete leaves nothing", async () => {
  const h = harness();
  const out = scratch();
  const marker = join(out, "stdout");
  const b = bundle(["/bin/sh", "-c", "echo started; exec sleep 60"], (s) => {
    s.annotations = { "org.gantry.test": "lifecycle" };
  });
  const id = h.track(uniqueId("life"));
  const pidFile = join(out, "pid");
  h.ok(["create", "--bundle", b.dir, "--pid-file", pidFile, id], { stdoutFile: marker });

  const created = state(h, id);
  assert.deepEqual(Object.keys(created).sort(), ["annotations", "bundle", "id", "ociVersion", "pid", "status"]);
  assert.equal(created.status, "created");
  assert.equal(created.id, id);
  assert.equal(created.bundle, b.dir);
  assert.deepEqual(created.annotations, { "org.gantry.test": "lifecycle" });
  assert.equal(Number(readFileSync(pidFile, "utf8")), created.pid);
  assert.ok(alive(created.pid));
  // Not started: the user program has not run.
  assert.equal(readFileSync(marker, "utf8"), "");
  assert.ok(cgroupDirsFor(id).length > 0, "the cgroup exists from create on");

  const list = JSON.parse(h.ok(["list", "--format", "json"]));
  assert.deepEqual(list.map((c: any) => [c.id, c.status]), [[id, "created"]]);

  h.ok(["start", id]);
  await waitFor(() => readFileSync(marker, "utf8").includes("started"), "the container's output");
  assert.equal(state(h, id).status, "running");
  // A second start is refused.
  const again = h.run(["start", id]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /running, not created/);
  // delete refuses a running container without --force.
  const refused = h.run(["delete", id]);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /--force/);

  h.ok(["kill", id, "KILL"]);
  await waitFor(() => state(h, id).status === "stopped", "stopped status");
  assert.equal(alive(created.pid), false);
  h.ok(["delete", id]);
  assert.equal(existsSync(join(h.root, id)), false);
  assert.deepEqual(cgroupDirsFor(id), []);
  const gone = h.run(["state", id]);
  assert.notEqual(gone.status, 0);
  assert.match(gone.stderr, /does not exist/);
});

test("kill takes names and numbers; --all signals every process; delete --force ends a running container", async () => {
  const h = harness();
  const out = scratch();
  // A shell that traps TERM (pid 1 only gets signals it handles) and a background sleeper.
  const b = bundle(["/bin/sh", "-c", "trap 'echo got-term; exit 3' TERM; sleep 100 & while true; do sleep 0.1; done"]);
  const id = h.track(uniqueId("kill"));
  const log = join(out, "log");
  h.ok(["run", "-d", "-b", b.dir, id], { stdoutFile: log });
  const pid = state(h, id).pid;
  // Until the shell has installed its trap, pid 1 ignores SIGTERM: repeat it until the trap answers.
  await waitFor(() => {
    h.run(["kill", id, "SIGTERM"]);
    return readFileSync(log, "utf8").includes("got-term");
  }, "the TERM trap");
  await waitFor(() => state(h, id).status === "stopped", "stopped after TERM");
  assert.equal(alive(pid), false);
  h.ok(["delete", id]);

  const id2 = h.track(uniqueId("killall"));
  h.ok(["run", "-d", "-b", b.dir, id2], { stdoutFile: log });
  const pid2 = state(h, id2).pid;
  const bad = h.run(["kill", id2, "NOSUCHSIG"]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown signal "NOSUCHSIG"/);
  h.ok(["kill", "--all", id2, "9"]);
  await waitFor(() => !alive(pid2), "every process killed");
  h.ok(["delete", id2]);

  const id3 = h.track(uniqueId("force"));
  h.ok(["run", "-d", "-b", b.dir, id3], { stdoutFile: log });
  const pid3 = state(h, id3).pid;
  h.ok(["delete", "--force", id3]);
  assert.equal(alive(pid3), false);
  assert.equal(existsSync(join(h.root, id3)), false);
  assert.deepEqual(cgroupDirsFor(id3), []);
});

test("an invalid config.json is refused before anything is created, and the error names the field", () => {
  const h = harness();
  const cases: Array<[(s: any) => void, RegExp]> = [
    [(s) => (s.process.args = []), /process\.args/],
    [(s) => (s.process.user.uid = "root"), /process\.user\.uid: must be a number/],
    [(s) => (s.process.cwd = "relative"), /process\.cwd: must be an absolute path/],
    [(s) => (s.mounts[1].destination = "dev"), /mounts\[1\]\.destination/],
    [(s) => s.linux.namespaces.push({ type: "bogus" }), /linux\.namespaces\[5\]\.type: unknown namespace type "bogus"/],
    [(s) => (s.process.capabilities.bounding = ["CAP_FLY"]), /process\.capabilities\.bounding\[0\]: unknown capability/],
    [(s) => (s.process.rlimits = [{ type: "RLIMIT_NOPE", soft: 1, hard: 1 }]), /process\.rlimits\[0\]\.type/],
    [(s) => (s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== "uts")), /hostname: .*uts namespace/],
    [(s) => (s.linux.sysctl = { "kernel.panic": "1" }), /linux\.sysctl\.kernel\.panic: is not namespaced/],
    [(s) => (s.hooks = { prestart: [{ path: "relative/hook" }] }), /hooks\.prestart\[0\]\.path/],
    [(s) => (s.linux.resources.memory = { limit: "lots" }), /linux\.resources\.memory\.limit/],
    [(s) => (s.root.path = "missing-rootfs"), /root\.path/],
    [(s) => (s.process.apparmorProfile = "docker-default"), /process\.apparmorProfile: AppArmor is not supported/],
  ];
  const b = bundle(["/bin/true"]);
  for (const [adjust, message] of cases) {
    const spec = defaultSpec(["/bin/true"]);
    adjust(spec);
    b.writeConfig(spec);
    const id = h.track(uniqueId("bad"));
    const r = h.run(["create", "-b", b.dir, id]);
    assert.notEqual(r.status, 0, `accepted: ${message}`);
    assert.match(r.stderr, message);
    assert.equal(existsSync(join(h.root, id)), false, "no state directory");
    assert.deepEqual(cgroupDirsFor(id), [], "no cgroup");
  }
  execFileSync("sh", ["-c", `printf '{"ociVersion": "1.0.2", "root": ' > ${join(b.dir, "config.json")}`]);
  const broken = h.run(["create", "-b", b.dir, h.track(uniqueId("json"))]);
  assert.match(broken.stderr, /invalid JSON at line 1 column \d+/);
});

test("container ids are validated before any path is built", () => {
  const h = harness();
  const b = bundle(["/bin/true"]);
  for (const id of ["../escape", "a/b", "", "..", "sp ace"]) {
    const r = h.run(["create", "-b", b.dir, id]);
    assert.notEqual(r.status, 0, `id "${id}" accepted`);
    assert.match(r.stderr, /container id/, `id "${id}": ${r.stderr}`);
  }
  assert.deepEqual(readdirSync(h.root), [], "nothing created under --root");
  const r = h.run(["state", "../../etc"]);
  assert.match(r.stderr, /invalid container id/);
});

test("--log-format json writes error records to the --log file", () => {
  const h = harness();
  const out = scratch();
  const log = join(out, "runtime.log");
  const r = h.run(["--log", log, "--log-format", "json", "state", "nonexistent"]);
  assert.notEqual(r.status, 0);
  const line = JSON.parse(readFileSync(log, "utf8").trim().split("\n").pop()!);
  assert.equal(line.level, "error");
  assert.match(line.msg, /container "nonexistent" does not exist/);
  assert.ok(!Number.isNaN(Date.parse(line.time)));
});
