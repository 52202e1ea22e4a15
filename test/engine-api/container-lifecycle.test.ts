// Where a container's life under the Engine API once differed from dockerd's (issue 12, items 1–5), checked through the
// docker CLI and raw Engine API requests on a standalone agent's socket: healthchecks (probes through exec, State.Health,
// health_status events, `docker ps` and its health filter, the image's HEALTHCHECK and --no-healthcheck), `docker
// update` on a live container, kill and restart back-off, exec framing and detach keys, and `docker cp` onto volumes
// and bind mounts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request on the agent's socket (a JSON body when `json` is given). */
function api(socketPath: string, method: string, path: string, json?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const req = http.request({ socketPath, method, path, headers: body ? { "Content-Type": "application/json", "Content-Length": body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A cgroup file of the process `pid` on the host (v1: the controller's hierarchy; v2: the unified one). */
function cgroupFile(pid: number, controller: string, v1File: string, v2File: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1 = lines.find((l) => l.split(":")[1]?.split(",").includes(controller));
  if (v1 && existsSync(`/sys/fs/cgroup/${controller}`)) return readFileSync(`/sys/fs/cgroup/${controller}${v1.split(":")[2]}/${v1File}`, "utf8").trim();
  const v2 = lines.find((l) => l.startsWith("0::"))!;
  return readFileSync(`/sys/fs/cgroup${v2.slice(3)}/${v2File}`, "utf8").trim();
}

/** The payloads of a multiplexed stream, by stream (1 stdout, 2 stderr); throws on bytes that are not frames. */
function demux(raw: Buffer): { 1: string; 2: string } {
  const out = { 1: "", 2: "" };
  for (let i = 0; i < raw.length; ) {
    const kind = raw[i];
    assert.ok((kind === 1 || kind === 2) && raw[i + 1] === 0 && raw[i + 2] === 0 && raw[i + 3] === 0, `a frame header at ${i}: ${JSON.stringify(raw.subarray(i, i + 8).toString("latin1"))}`);
    const len = raw.readUInt32BE(i + 4);
    out[kind as 1 | 2] += raw.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out;
}

/** A hijacked POST (exec start, attach) on a raw socket: what comes after the 101's headers, and whether it closed. */
async function hijacked(socketPath: string, path: string, body?: unknown) {
  const sock = connect(socketPath);
  let raw = Buffer.alloc(0);
  let closed = false;
  sock.on("data", (d: Buffer) => (raw = Buffer.concat([raw, d])));
  sock.on("close", () => (closed = true));
  sock.on("error", () => {});
  await new Promise((r) => sock.once("connect", r));
  const b = body === undefined ? "" : JSON.stringify(body);
  sock.write(`POST ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${b.length}\r\n\r\n${b}`);
  await until("the 101", async () => raw.includes("\r\n\r\n"));
  assert.match(raw.toString("latin1"), /^HTTP\/1\.1 101 UPGRADED\r\n/);
  const head = raw.indexOf("\r\n\r\n") + 4;
  return { sock, output: () => raw.subarray(head), closed: () => closed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it answers truthy (then resolves with that), failing after `ms` with `what`. */
async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("container lifecycle as dockerd has it", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env, { cwd: () => work, timeout: 120_000 });
  const call = (method: string, path: string, json?: unknown) => api(socket, method, path, json);
  const inspect = async (name: string) => JSON.parse((await call("GET", `/containers/${name}/json`)).text);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-lifecycle-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    net = testNetworking("glc");
    Object.assign(env, dockerClientEnv(work, socket, { DOCKER_BUILDKIT: "0" }));
    registry = await startRegistry("open");
    const image = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", image]);
    await ok(["tag", image, "busybox"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  describe("healthchecks", () => {
    test("a --health-cmd runs in the container: starting, healthy, unhealthy in inspect, ps and its filter, with events; a restart starts over", async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      await ok(["run", "-d", "--name", "hc", "--health-cmd", "cat /tmp/ok", "--health-interval", "200ms", "--health-retries", "2", "--health-timeout", "5s", "busybox", "sleep", "300"]);
      const first = await inspect("hc");
      assert.deepEqual(first.Config.Healthcheck, { Test: ["CMD-SHELL", "cat /tmp/ok"], Interval: 200_000_000, Timeout: 5_000_000_000, Retries: 2 });
      assert.equal(first.State.Health.Status, "starting");
      assert.match(await ok(["ps", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Up .* \(health: starting\)$/m);

      // The probe runs in the container: a file made there turns it healthy.
      await ok(["exec", "hc", "touch", "/tmp/ok"]);
      const healthy = await until("healthy", async () => ((await inspect("hc")).State.Health.Status === "healthy" ? inspect("hc") : null));
      assert.equal(healthy.State.Health.FailingStreak, 0);
      assert.equal(healthy.State.Health.Log.at(-1).ExitCode, 0);
      assert.match(await ok(["ps", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Up .* \(healthy\)$/m);
      assert.equal((await ok(["ps", "-q", "--filter", "health=healthy"])).trim(), healthy.Id.slice(0, 12));

      await ok(["exec", "hc", "rm", "/tmp/ok"]);
      const sick = await until("unhealthy", async () => ((await inspect("hc")).State.Health.Status === "unhealthy" ? inspect("hc") : null));
      assert.ok(sick.State.Health.FailingStreak >= 2, `FailingStreak ${sick.State.Health.FailingStreak}`);
      const last = sick.State.Health.Log.at(-1);
      assert.equal(last.ExitCode, 1);
      assert.match(last.Output, /can't open '\/tmp\/ok': No such file or directory/);
      assert.ok(Date.parse(last.End) >= Date.parse(last.Start));
      assert.match(await ok(["ps", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Up .* \(unhealthy\)$/m);
      assert.equal((await ok(["ps", "-q", "--filter", "health=unhealthy"])).trim(), healthy.Id.slice(0, 12));
      assert.equal((await ok(["ps", "-q", "--filter", "health=healthy"])).trim(), "");
      // Only the last five results are kept.
      await until("more than five probes", async () => (await inspect("hc")).State.Health.FailingStreak > 6);
      assert.equal((await inspect("hc")).State.Health.Log.length, 5);

      const events = await ok(["events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=hc", "--filter", "event=health_status", "--format", "{{.Action}}"]);
      assert.deepEqual(events.trim().split("\n"), ["health_status: healthy", "health_status: unhealthy"]);

      // A restart begins again: starting, the failures forgotten (a probe 200 ms in may have failed once since).
      await ok(["restart", "-t", "0", "hc"]);
      const restarted = (await inspect("hc")).State.Health;
      assert.equal(restarted.Status, "starting");
      assert.ok(restarted.FailingStreak <= 1, `FailingStreak ${restarted.FailingStreak} after the restart`);
      // A stopped container's probes stop, and it reads unhealthy, as under dockerd.
      await ok(["stop", "-t", "0", "hc"]);
      assert.equal((await inspect("hc")).State.Health.Status, "unhealthy");
      assert.match(await ok(["ps", "-a", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Exited \(137\)/m);
      const r = await docker(["ps", "--filter", "health=poorly"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unrecognised filter value for health: poorly/);
    });

    test("a probe past its timeout is a failure with dockerd's message, and the probe is ended", async () => {
      await ok(["run", "-d", "--name", "hc-slow", "--health-cmd", "echo begun; sleep 30", "--health-interval", "100ms", "--health-timeout", "300ms", "--health-retries", "1", "busybox", "sleep", "300"]);
      const h = await until("unhealthy", async () => ((await inspect("hc-slow")).State.Health.Status === "unhealthy" ? (await inspect("hc-slow")).State.Health : null));
      assert.equal(h.Log[0].ExitCode, -1);
      assert.equal(h.Log[0].Output, "Health check exceeded timeout (300ms): begun\n");
      // The timed-out probes' sleeps do not pile up in the container.
      await sleep(500);
      const top = await ok(["top", "hc-slow", "-eo", "pid,args"]);
      // (the container's own `sleep 300` is not one of them: the args column is compared whole)
      assert.ok(top.split("\n").filter((l) => /^\s*\d+\s+sleep 30\s*$/.test(l)).length <= 1, top);
    });

    test("the image's HEALTHCHECK is honoured (options of the run merged in), NONE and --no-healthcheck turn it off; bad durations are dockerd's 400", async () => {
      const dir = join(work, "hc-image");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "Dockerfile"), "FROM busybox\nHEALTHCHECK --interval=150ms --retries=1 CMD test -e /bin/sh\n");
      await ok(["build", "-q", "-t", "hc-image", dir]);
      writeFileSync(join(dir, "Dockerfile"), "FROM hc-image\nHEALTHCHECK NONE\n");
      await ok(["build", "-q", "-t", "hc-none", dir]);

      await ok(["run", "-d", "--name", "hc-img", "--health-timeout", "4s", "hc-image", "sleep", "300"]);
      assert.deepEqual((await inspect("hc-img")).Config.Healthcheck, { Test: ["CMD-SHELL", "test -e /bin/sh"], Interval: 150_000_000, Timeout: 4_000_000_000, Retries: 1 });
      await until("the image's probe to pass", async () => (await inspect("hc-img")).State.Health.Status === "healthy");

      await ok(["run", "-d", "--name", "hc-off", "--no-healthcheck", "hc-image", "sleep", "300"]);
      await ok(["run", "-d", "--name", "hc-none", "hc-none", "sleep", "300"]);
      await sleep(400);
      for (const name of ["hc-off", "hc-none"]) {
        const c = await inspect(name);
        assert.deepEqual(c.Config.Healthcheck.Test, ["NONE"]);
        assert.equal(c.State.Health, undefined, `${name} has no health state`);
        assert.doesNotMatch(await ok(["ps", "--filter", `name=^${name}$`, "--format", "{{.Status}}"]), /health/);
      }
      assert.match(await ok(["ps", "--filter", "health=none", "--format", "{{.Names}}"]), /hc-off/);

      const bad = await call("POST", "/containers/create", { Image: "busybox", Cmd: ["true"], Healthcheck: { Test: ["CMD", "true"], Interval: 1000 } });
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.text).message, "Interval in Healthcheck cannot be less than 1ms");
      const negative = await call("POST", "/containers/create", { Image: "busybox", Cmd: ["true"], Healthcheck: { Test: ["CMD", "true"], Retries: -1 } });
      assert.equal(negative.status, 400);
      assert.equal(JSON.parse(negative.text).message, "Retries in Healthcheck cannot be negative");
    });
  });
  describe("docker update", () => {
    test("memory, swap, CPUs, pids and the restart policy of a running container change at once, in its cgroup and inspect", async () => {
      // Exits by itself once /tmp/stop exists: the restart policy the update gives decides what follows.
      await ok(["run", "-d", "--name", "upd", "-m", "64m", "--pids-limit", "50", "busybox", "sh", "-c", "while [ ! -e /tmp/stop ]; do sleep 0.1; done"]);
      const pid = (await inspect("upd")).State.Pid;
      assert.equal(cgroupFile(pid, "memory", "memory.limit_in_bytes", "memory.max"), String(64 << 20));
      assert.equal(await ok(["update", "-m", "100m", "--memory-swap", "200m", "--cpus", "0.5", "--pids-limit", "20", "--restart", "always", "upd"]), "upd\n");
      assert.equal(cgroupFile(pid, "memory", "memory.limit_in_bytes", "memory.max"), String(100 << 20));
      if (existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) assert.equal(cgroupFile(pid, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max"), String(200 << 20));
      assert.equal(cgroupFile(pid, "cpu", "cpu.cfs_quota_us", "cpu.max").split(" ")[0], "50000");
      assert.equal(cgroupFile(pid, "pids", "pids.max", "pids.max"), "20");
      assert.match(await ok(["stats", "--no-stream", "--format", "{{.MemUsage}}", "upd"]), /\/ 100MiB/);
      const hc = (await inspect("upd")).HostConfig;
      assert.deepEqual([hc.Memory, hc.MemorySwap, hc.NanoCpus, hc.PidsLimit, hc.RestartPolicy], [100 << 20, 200 << 20, 5e8, 20, { Name: "always", MaximumRetryCount: 0 }]);
      // 0 or -1: no pids limit any more.
      await ok(["update", "--pids-limit", "-1", "upd"]);
      assert.equal(cgroupFile(pid, "pids", "pids.max", "pids.max"), "max");
      // The new policy is the one that acts: the command ends with 0 and "always" brings it back.
      await ok(["exec", "upd", "touch", "/tmp/stop"]);
      await until("the restart the updated policy asks for", async () => (await inspect("upd")).RestartCount >= 1);
      await ok(["exec", "upd", "rm", "-f", "/tmp/stop"]).catch(() => {});
    });

    test("dockerd's refusals: conflicting and out-of-range values; warnings come back in the answer; a stopped container takes its limits at start", async () => {
      await ok(["run", "-d", "--name", "upd2", "-m", "64m", "--cpus", "1", "busybox", "sleep", "300"]);
      const refused = async (args: string[], message: RegExp) => {
        const r = await docker(["update", ...args, "upd2"]);
        assert.notEqual(r.code, 0, `docker update ${args.join(" ")} was refused`);
        assert.match(r.stderr, message);
      };
      await refused(["-m", "300m"], /Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time/);
      await refused(["--cpu-period", "50000"], /Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set/);
      await refused(["-m", "4m"], /Minimum memory limit allowed is 6MB/);
      await refused(["--cpu-quota", "500"], /CPU cfs quota can not be less than 1ms/);
      await refused(["--restart", "sometimes"], /invalid restart policy|unknown policy/);
      const rejected = await call("POST", "/containers/upd2/update", { Memory: 128 << 20, MemorySwap: 64 << 20 });
      assert.equal(rejected.status, 400);
      assert.equal(JSON.parse(rejected.text).message, "Minimum memoryswap limit should be larger than memory limit, see usage");
      const conflictAnswer = await call("POST", "/containers/upd2/update", { CpuQuota: 50000 });
      assert.equal(conflictAnswer.status, 409);
      // Nothing refused was kept.
      assert.equal((await inspect("upd2")).HostConfig.Memory, 64 << 20);

      const warned = await call("POST", "/containers/upd2/update", { OomKillDisable: true });
      assert.equal(warned.status, 200);
      assert.deepEqual(JSON.parse(warned.text).Warnings, ["OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources."]);
      assert.deepEqual(JSON.parse((await call("POST", "/containers/upd2/update", { CpuShares: 512 })).text), { Warnings: [] });
      const missing = await call("POST", "/containers/nope/update", { CpuShares: 512 });
      assert.equal(missing.status, 404);

      await ok(["run", "-d", "--rm", "--name", "upd-rm", "busybox", "sleep", "300"]);
      const r = await docker(["update", "--restart", "always", "upd-rm"]);
      assert.match(r.stderr, /Restart policy cannot be updated because AutoRemove is enabled for the container/);

      // Stopped: the record changes now, the cgroup when it starts.
      await ok(["stop", "-t", "0", "upd2"]);
      await ok(["update", "-m", "80m", "--memory-swap", "160m", "upd2"]);
      await ok(["start", "upd2"]);
      assert.equal(cgroupFile((await inspect("upd2")).State.Pid, "memory", "memory.limit_in_bytes", "memory.max"), String(80 << 20));
    });
  });
  describe("kill and restart policies", () => {
    /** A container that says "ready" once it has set its traps: USR1 is echoed, HUP ends it with 7. */
    const trapper = async (name: string, flags: string[]) => {
      await ok(["run", "-d", "--name", name, ...flags, "busybox", "sh", "-c", 'trap "echo got-usr1" USR1; trap "exit 7" HUP; echo ready; while :; do sleep 0.1; done']);
      await until(`${name} ready`, async () => (await docker(["logs", name])).stdout.includes("ready"));
    };
    const settled = async (name: string) => {
      await sleep(700);
      return (await inspect(name)) as { RestartCount: number; State: { Status: string; ExitCode: number } };
    };

    test("kill answers once a SIGKILL'd container has exited (rm right after needs no force); -s takes a name or a number and answers at once", async () => {
      await ok(["run", "-d", "--name", "k1", "busybox", "sleep", "300"]);
      await ok(["kill", "k1"]);
      const s = (await inspect("k1")).State;
      assert.deepEqual([s.Status, s.Running, s.ExitCode], ["exited", false, 137]);
      await ok(["rm", "k1"]);

      await trapper("k2", []);
      await ok(["kill", "-s", "USR1", "k2"]);
      await until("USR1 to be handled", async () => (await docker(["logs", "k2"])).stdout.includes("got-usr1"));
      assert.equal((await inspect("k2")).State.Running, true);
      await ok(["kill", "--signal", "1", "k2"]);
      await until("HUP to end it", async () => (await inspect("k2")).State.ExitCode === 7);
      const r = await docker(["kill", "-s", "NOPE", "k2"]);
      assert.match(r.stderr, /Invalid signal: NOPE/);
    });

    test("restart back-off starts at 100 ms and doubles; a restarting container is running to inspect, 409 to rm, and stopped by kill", async () => {
      const t0 = Date.now();
      await ok(["run", "-d", "--name", "k3", "--restart", "always", "busybox", "sh", "-c", "exit 3"]);
      // 100 + 200 + 400 + 800 ms of waits: four restarts within a few seconds (a 10 s first delay made none).
      await until("four restarts", async () => (await inspect("k3")).RestartCount >= 4, 6_000);
      assert.ok(Date.now() - t0 < 6_000);
      const waiting = await until("the restarting state", async () => {
        const c = await inspect("k3");
        return c.State.Status === "restarting" ? c : null;
      });
      assert.deepEqual([waiting.State.Running, waiting.State.Restarting, waiting.State.ExitCode], [true, true, 3]);
      const rm = await docker(["rm", "k3"]);
      assert.notEqual(rm.code, 0);
      assert.match(rm.stderr, /cannot remove container "\/k3": container is restarting: stop the container before removing or force remove/);
      await ok(["kill", "k3"]);
      const after = await settled("k3");
      assert.equal(after.State.Status, "exited");
      const count = after.RestartCount;
      await sleep(1000);
      assert.equal((await inspect("k3")).RestartCount, count, "no restart after the kill");
      // docker start begins again: RestartCount 0.
      await ok(["start", "k3"]);
      assert.ok((await inspect("k3")).RestartCount <= 1);
      await ok(["rm", "-f", "k3"]);
    });

    test("after a kill or a stop by hand no policy restarts, unless the signal killed is not the container's stop signal", async () => {
      // No stop signal set: any signal sent by hand means "stay down".
      await trapper("k-always", ["--restart", "always"]);
      await ok(["kill", "-s", "HUP", "k-always"]);
      let c = await settled("k-always");
      assert.deepEqual([c.State.Status, c.State.ExitCode, c.RestartCount], ["exited", 7, 0]);

      // Another signal than the stop signal: always and on-failure restart a container it ended, unless-stopped not.
      await trapper("k-always-usr1", ["--restart", "always", "--stop-signal", "USR1"]);
      await trapper("k-fail-usr1", ["--restart", "on-failure", "--stop-signal", "USR1"]);
      await trapper("k-unless-usr1", ["--restart", "unless-stopped", "--stop-signal", "USR1"]);
      for (const n of ["k-always-usr1", "k-fail-usr1", "k-unless-usr1"]) await ok(["kill", "-s", "HUP", n]);
      await until("always to restart", async () => (await inspect("k-always-usr1")).RestartCount === 1);
      await until("on-failure to restart", async () => (await inspect("k-fail-usr1")).RestartCount === 1);
      c = await settled("k-unless-usr1");
      assert.deepEqual([c.State.Status, c.RestartCount], ["exited", 0]);

      // docker stop (its stop signal, then SIGKILL) leaves every policy down.
      await ok(["stop", "-t", "1", "k-always-usr1"]);
      c = await settled("k-always-usr1");
      assert.deepEqual([c.State.Status, c.RestartCount], ["exited", 1]);
    });
  });
  describe("exec framing and detach keys", () => {
    const execCreate = async (container: string, body: Record<string, unknown>) => {
      const r = await call("POST", `/containers/${container}/exec`, { AttachStdout: true, AttachStderr: true, ...body });
      assert.equal(r.status, 201, r.text);
      return JSON.parse(r.text).Id as string;
    };

    test("the output is framed as the start request's Tty says, whatever the create said", async () => {
      await ok(["run", "-d", "--name", "ex", "busybox", "sleep", "300"]);
      // A terminal for the process, a multiplexed stream for the client: its pty output comes as stdout frames.
      const ttyExec = await execCreate("ex", { Cmd: ["sh", "-c", "echo out; echo err >&2"], Tty: true });
      const a = await hijacked(socket, `/exec/${ttyExec}/start`, { Detach: false, Tty: false });
      await until("the exec to end", async () => a.closed());
      const framed = demux(a.output());
      assert.equal(framed[1], "out\r\nerr\r\n");
      // No terminal for the process, a raw stream asked for: its stdout and stderr bytes as they come.
      const plainExec = await execCreate("ex", { Cmd: ["sh", "-c", "echo out; sleep 0.2; echo err >&2"], Tty: false });
      const b = await hijacked(socket, `/exec/${plainExec}/start`, { Detach: false, Tty: true });
      await until("the exec to end", async () => b.closed());
      assert.equal(b.output().toString(), "out\nerr\n");
    });

    test("detach keys (ctrl-p ctrl-q, or the exec's own) leave a TTY exec running; without a TTY they are input", async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      await ok(["run", "-d", "--name", "exd", "busybox", "sleep", "300"]);
      for (const [keys, typed] of [[undefined, "\x10\x11"], ["ctrl-a,b", "\x01b"]] as const) {
        const id = await execCreate("exd", { Cmd: ["sh"], Tty: true, AttachStdin: true, ...(keys ? { DetachKeys: keys } : {}) });
        const s = await hijacked(socket, `/exec/${id}/start`, { Detach: false, Tty: true });
        // A lone first key is passed on once the next byte shows it was not the sequence.
        s.sock.write(`${typed[0]}`);
        await sleep(50);
        s.sock.write("echo hi-$((20+22))\n");
        await until("the shell's answer", async () => s.output().toString().includes("hi-42"));
        s.sock.write(typed);
        await until("the stream to end at the detach keys", async () => s.closed(), 5_000);
        await sleep(300);
        const state = JSON.parse((await call("GET", `/exec/${id}/json`)).text);
        assert.equal(state.Running, true, `the exec goes on after a detach (${keys ?? "default keys"})`);
        assert.equal(state.ExitCode, null);
      }
      const events = await ok(["events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=exd", "--format", "{{.Action}}"]);
      assert.equal(events.split("\n").filter((l) => l === "exec_detach").length, 2, events);

      const bad = await call("POST", "/containers/exd/exec", { Cmd: ["sh"], DetachKeys: "ctrl-1" });
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.text).message, "Invalid escape keys (ctrl-1) provided");

      // Without a TTY, ctrl-p ctrl-q are the process's input like any bytes.
      const id = await execCreate("exd", { Cmd: ["sh", "-c", "od -An -tx1"], Tty: false, AttachStdin: true });
      const s = await hijacked(socket, `/exec/${id}/start`, { Detach: false, Tty: false });
      s.sock.end("\x10\x11");
      await until("od to print what it read", async () => s.closed());
      assert.match(demux(s.output())[1], /10 11/);
    });

    test("attach: detach keys leave a TTY container running, with a detach event", async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      await ok(["run", "-d", "-it", "--name", "att", "busybox", "sh"]);
      const s = await hijacked(socket, "/containers/att/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-x,ctrl-y");
      s.sock.write("echo att-$((40+2))\n");
      await until("the shell's answer", async () => s.output().toString().includes("att-42"));
      s.sock.write("\x18\x19");
      await until("the stream to end at the detach keys", async () => s.closed(), 5_000);
      assert.equal((await inspect("att")).State.Running, true);
      const events = await ok(["events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=att", "--filter", "event=detach", "--format", "{{.Action}}"]);
      assert.equal(events.trim(), "detach");
    });
  });
  describe("docker cp onto volumes and bind mounts", () => {
    const cpOut = async (src: string) => {
      const out = join(work, `cp-out-${Math.random().toString(36).slice(2)}`);
      mkdirSync(out);
      const r = await docker(["cp", src, out]);
      return { ...r, dir: out };
    };
    const file = (name: string, body: string) => {
      const f = join(work, name);
      writeFileSync(f, body);
      return f;
    };

    test("a created container's anonymous volume, a running one's named volume and bind mount, an exited one's: cp in and out goes to the mount", async () => {
      const bind = join(work, "bind-src");
      mkdirSync(bind, { recursive: true });
      // Created, never started: the anonymous volume (-v /data) and the mount points under a directory the image lacks.
      await ok(["create", "--name", "cpv", "-v", "/data", "-v", "cpnamed:/deep/under/named", "-v", `${bind}:/bound`, "busybox", "sleep", "300"]);
      await ok(["cp", file("into-created", "before start\n"), "cpv:/data/"]);
      await ok(["cp", file("into-named", "named\n"), "cpv:/deep/under/named/n.txt"]);
      await ok(["start", "cpv"]);
      assert.equal(await ok(["exec", "cpv", "cat", "/data/into-created", "/deep/under/named/n.txt"]), "before start\nnamed\n");

      // Running: what cp writes is what the container sees in its mounts (it went under the mount before).
      await ok(["cp", file("into-running", "while running\n"), "cpv:/data/"]);
      assert.equal(await ok(["exec", "cpv", "cat", "/data/into-running"]), "while running\n");
      await ok(["cp", file("into-bind", "to the host\n"), "cpv:/bound/"]);
      assert.equal(readFileSync(join(bind, "into-bind"), "utf8"), "to the host\n");
      await ok(["exec", "cpv", "sh", "-c", "echo made-inside > /data/made && echo bound-inside > /bound/made"]);
      const fromRunning = await cpOut("cpv:/data/made");
      assert.equal(readFileSync(join(fromRunning.dir, "made"), "utf8"), "made-inside\n");

      // Exited: still the volume's and the bind's files.
      await ok(["stop", "-t", "0", "cpv"]);
      const fromExited = await cpOut("cpv:/data/.");
      assert.equal(fromExited.code, 0, fromExited.stderr);
      assert.equal(readFileSync(join(fromExited.dir, "made"), "utf8"), "made-inside\n");
      assert.equal(readFileSync(join(fromExited.dir, "into-running"), "utf8"), "while running\n");
      const bound = await cpOut("cpv:/bound/made");
      assert.equal(readFileSync(join(bound.dir, "made"), "utf8"), "bound-inside\n");
      // The named volume is the same for another container.
      await ok(["create", "--name", "cpv2", "-v", "cpnamed:/other", "busybox", "true"]);
      const shared = await cpOut("cpv2:/other/n.txt");
      assert.equal(readFileSync(join(shared.dir, "n.txt"), "utf8"), "named\n");
      // A file bind-mounted over a path is that file.
      writeFileSync(join(work, "single.conf"), "single file\n");
      await ok(["create", "--name", "cpf", "-v", `${join(work, "single.conf")}:/etc/app.conf:ro`, "busybox", "true"]);
      const single = await cpOut("cpf:/etc/app.conf");
      assert.equal(readFileSync(join(single.dir, "app.conf"), "utf8"), "single file\n");
    });

    test("read-only mounts and a read-only root filesystem refuse a copy, as dockerd does", async () => {
      const ro = join(work, "ro-src");
      mkdirSync(ro, { recursive: true });
      await ok(["run", "-d", "--name", "cpro", "--read-only", "-v", `${ro}:/ro:ro`, "-v", "/rw", "busybox", "sleep", "300"]);
      let r = await docker(["cp", file("ro-try", "x"), "cpro:/ro/"]);
      assert.match(r.stderr, /mounted volume is marked read-only/);
      assert.deepEqual(readdirSync(ro), []);
      r = await docker(["cp", file("rootfs-try", "x"), "cpro:/tmp/"]);
      assert.match(r.stderr, /container rootfs is marked read-only/);
      await ok(["cp", file("rw-ok", "fine\n"), "cpro:/rw/"]);
      assert.equal(await ok(["exec", "cpro", "cat", "/rw/rw-ok"]), "fine\n");
    });

    test("symlinks in and around mounts lead to the container's own files, never the host's (both ways)", async () => {
      const hostOnly = join(work, "host-only");
      mkdirSync(hostOnly, { recursive: true });
      const secret = `HOST-SECRET-${process.pid}`;
      writeFileSync(join(hostOnly, "secret"), secret);
      const bind = join(work, "bind-attack");
      mkdirSync(bind, { recursive: true });
      await ok(["run", "-d", "--name", "cpx", "-v", "/vol", "-v", `${bind}:/mnt/b`, "busybox", "sh", "-c",
        `echo container-secret > /secret && mkdir -p ${hostOnly} && echo container-copy > ${hostOnly}/secret && ` +
        `ln -s / /vol/root && ln -s ../../../../../.. /vol/up && ln -s ${hostOnly} /vol/hostdir && ln -s /vol /into-vol && ` +
        `ln -s ../../../../etc /mnt/b/etc-up && echo ready && exec sleep 300`]);
      await until("the links", async () => (await docker(["logs", "cpx"])).stdout.includes("ready"));
      const read = async (src: string) => {
        const r = await cpOut(src);
        assert.equal(r.code, 0, `${src}: ${r.stderr}`);
        return readFileSync(join(r.dir, basenameOf(src)), "utf8");
      };
      const basenameOf = (p: string) => p.split("/").filter(Boolean).pop()!;
      // Absolute and climbing links in a volume: the container's root.
      assert.equal(await read("cpx:/vol/root/secret"), "container-secret\n");
      assert.equal(await read("cpx:/vol/up/secret"), "container-secret\n");
      // ".." from a mount's root is the directory it is mounted on, not the host's parent of its source.
      assert.equal(await read("cpx:/mnt/b/../../secret"), "container-secret\n");
      assert.match(await read("cpx:/mnt/b/etc-up/hostname"), /^[0-9a-f]{12}\n$/);
      // A link naming a host path is that path inside the container.
      assert.equal(await read("cpx:/vol/hostdir/secret"), "container-copy\n");
      // A link in the root filesystem into a volume is the volume.
      await ok(["cp", file("via-link", "through the link\n"), "cpx:/into-vol/"]);
      assert.equal(await ok(["exec", "cpx", "cat", "/vol/via-link"]), "through the link\n");
      // Writing through the links lands in the container, never on the host.
      await ok(["cp", file("planted", "planted\n"), "cpx:/vol/hostdir/"]);
      await ok(["cp", file("planted-up", "planted\n"), "cpx:/vol/up/tmp/"]);
      assert.deepEqual(readdirSync(hostOnly).sort(), ["secret"]);
      assert.equal(readFileSync(join(hostOnly, "secret"), "utf8"), secret);
      assert.equal(await ok(["exec", "cpx", "cat", `${hostOnly}/planted`, "/tmp/planted-up"]), "planted\nplanted\n");
      // A link to "/" as the destination is the container's root.
      await ok(["cp", file("at-root", "at the root\n"), "cpx:/vol/root"]);
      assert.equal(await ok(["exec", "cpx", "cat", "/at-root"]), "at the root\n");
      assert.equal(await read("cpx:/etc/hostname"), `${(await inspect("cpx")).Config.Hostname}\n`);
      // The link itself, not followed, comes out as a link.
      const link = await cpOut("cpx:/vol/root");
      assert.equal(link.code, 0, link.stderr);
    });
  });
});
