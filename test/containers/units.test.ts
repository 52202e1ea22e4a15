// Pure parts of the container engine: restart policy and back-off (with an injected clock's view of time), signal
// and name grammar, the CRI log reader across rotation, the seccomp profile and the bundle's limits; the create
// request's shape check, `top`'s table, the one error classification as each adapter maps it, and the runtime
// client against the real gantry-runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogFollower, parseRecord, readLog, readLogUpTo, recordBytes, type LogRecord } from "../../agent/containers/logs";
import { generateName, validateName } from "../../agent/containers/names";
import { defaultSeccompProfile } from "../../agent/containers/seccomp-default";
import { RestartBackoff, RestartTracker, shouldRestart, signalEndsRestarts } from "../../agent/containers/restart-policy";
import { normalizeHostConfig } from "../../agent/containers/service";
import { parseSignal } from "../../agent/containers/signals";
import { bundleConfig } from "../../agent/containers/spec";
import type { ContainerRecord } from "../../agent/containers/types";
import { EventBus } from "../../agent/events";
import { parseCreateRequest } from "../../agent/containers/create-request";
import { psTable } from "../../agent/containers/top";
import { classify } from "../../agent/errors";
import { toApiError, ApiError } from "../../agent/docker-api/errors";
import { toCommandError } from "../../agent/commands/errors";
import { createRequest } from "../../agent/commands/run-command";
import { RuntimeClient, RuntimeError, runtimeVersion } from "../../agent/runtime/runtime";
import { runtimeBinary } from "../../agent/config";
import { GantryError } from "../../lib/errors";
import { ImageError, ImageNotFoundError } from "../../lib/oci/errors";

test("restart back-off as dockerd's: 100 ms doubling to a minute, over again after 10 s of running; policies decide by exit code, count and a stop by hand", () => {
  const b = new RestartBackoff();
  assert.deepEqual([0, 0, 0, 0, 0].map((ran) => b.next(ran)), [100, 200, 400, 800, 1600]);
  for (let i = 0; i < 20; i++) b.next(500);
  assert.equal(b.next(500), 60_000);
  assert.equal(b.next(10_000), 100, "a container that ran 10 s starts its back-off over");
  assert.equal(b.next(9_999), 200);
  const p = (Name: "no" | "always" | "unless-stopped" | "on-failure", MaximumRetryCount = 0) => ({ Name, MaximumRetryCount });
  assert.equal(shouldRestart(p("no"), 1, 0, false), false);
  assert.equal(shouldRestart(p("always"), 0, 99, false), true);
  assert.equal(shouldRestart(p("always"), 0, 0, true), true, "always restarts a container stopped by hand unless its restart was cancelled");
  assert.equal(shouldRestart(p("unless-stopped"), 1, 0, false), true);
  assert.equal(shouldRestart(p("unless-stopped"), 1, 0, true), false);
  assert.equal(shouldRestart(p("on-failure"), 0, 0, false), false);
  assert.equal(shouldRestart(p("on-failure", 2), 1, 1, false), true);
  assert.equal(shouldRestart(p("on-failure", 2), 1, 2, false), false);
  assert.equal(shouldRestart(p("on-failure"), 3, 1000, false), true);
  // Which signals sent by hand end restarts: SIGKILL, the stop signal, any signal when none is set.
  assert.equal(signalEndsRestarts(undefined, 1), true);
  assert.equal(signalEndsRestarts("SIGUSR1", 9), true);
  assert.equal(signalEndsRestarts("SIGUSR1", 10), true);
  assert.equal(signalEndsRestarts("SIGUSR1", 1), false);
  const t = new RestartTracker();
  assert.deepEqual(t.decide("a", p("always"), 0, 0, false, 0), { restart: true, delayMs: 100 });
  t.cancel("a");
  assert.deepEqual(t.decide("a", p("always"), 0, 0, true, 0), { restart: false, delayMs: 0 });
  t.reset("a");
  assert.deepEqual(t.decide("a", p("always"), 0, 0, false, 0), { restart: true, delayMs: 100 });
});

test("signals and names follow Docker's grammar; bad ones are refused naming the problem", () => {
  assert.equal(parseSignal("SIGTERM"), 15);
  assert.equal(parseSignal("usr1"), 10);
  assert.equal(parseSignal("9"), 9);
  assert.equal(parseSignal("RTMIN+2"), 36);
  assert.throws(() => parseSignal("SIGNOPE"), /Invalid signal: SIGNOPE/);
  assert.equal(validateName("web-1.a_b"), "/web-1.a_b");
  assert.throws(() => validateName("-bad"), /Invalid container name \(-bad\)/);
  assert.throws(() => validateName("a"), /Invalid container name/);
  const taken = new Set<string>();
  let i = 0;
  const seq = [0.1, 0.2, 0.1, 0.2, 0.5, 0.5];
  const random = () => seq[i++ % seq.length]!;
  const first = generateName((n) => taken.has(n), random);
  assert.match(first, /^\/[a-z]+_[a-z]+$/);
  taken.add(first);
  const second = generateName((n) => taken.has(n), random);
  assert.notEqual(second, first);
});

test("HostConfig limits are checked as dockerd checks them", () => {
  assert.throws(() => normalizeHostConfig({ Memory: 1 << 20 }), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => normalizeHostConfig({ Memory: 64 << 20, MemorySwap: 32 << 20 }), /memoryswap limit should be larger/);
  assert.throws(() => normalizeHostConfig({ RestartPolicy: { Name: "sometimes" as never, MaximumRetryCount: 0 } }), /unknown policy 'sometimes'/);
  assert.throws(() => normalizeHostConfig({ AutoRemove: true, RestartPolicy: { Name: "always", MaximumRetryCount: 0 } }), /both --restart and --rm/);
  assert.throws(() => normalizeHostConfig({ CpusetCpus: "0-" }), /Invalid value 0- for cpuset cpus/);
  assert.equal(normalizeHostConfig({}).ShmSize, 64 << 20);
});

test("the bundle carries Docker's defaults and the limits asked for", () => {
  const root = mkdtempSync(join(tmpdir(), "gantry-spec-"));
  mkdirSync(join(root, "etc"));
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\napp:x:1000:\n");
  const rec = {
    Id: "a".repeat(64), Path: "sh", Args: ["-c", "true"], Mounts: [],
    Config: { Hostname: "h", Env: ["A=1"], User: "app", WorkingDir: "/w", Tty: false },
    HostConfig: normalizeHostConfig({ Memory: 64 << 20, NanoCpus: 1.5e9, CpuShares: 512, CpusetCpus: "0", PidsLimit: 50, ShmSize: 8 << 20, Ulimits: [{ Name: "nofile", Soft: 100, Hard: 200 }] }),
  } as unknown as ContainerRecord;
  const cfg = bundleConfig(rec, { rootfs: root, netnsPath: "/run/netns/x", files: { hosts: "/h", hostname: "/hn", resolvConf: "/r" }, cgroupsPath: "/gantry/x" });
  assert.deepEqual(cfg.process.user, { uid: 1000, gid: 1000 });
  assert.ok(cfg.process.env.includes("HOME=/home/app") && cfg.process.env.includes("A=1") && cfg.process.env.includes("HOSTNAME=h"));
  assert.equal(cfg.process.capabilities.bounding.length, 14);
  assert.ok(!cfg.process.capabilities.bounding.includes("CAP_SYS_ADMIN"));
  assert.deepEqual(cfg.process.rlimits.find((r) => r.type === "RLIMIT_NOFILE"), { type: "RLIMIT_NOFILE", soft: 100, hard: 200 });
  assert.deepEqual(cfg.linux.resources, { cpu: { shares: 512, period: 100000, quota: 150000, cpus: "0" }, memory: { limit: 64 << 20, swap: 128 << 20 }, pids: { limit: 50 } });
  assert.ok(cfg.mounts.some((m) => m.destination === "/dev/shm" && m.options.includes(`size=${8 << 20}`)));
  assert.deepEqual(cfg.mounts.filter((m) => m.type === "bind").map((m) => m.destination), ["/etc/resolv.conf", "/etc/hostname", "/etc/hosts"]);
  assert.ok(cfg.linux.maskedPaths!.includes("/proc/kcore"));
  assert.deepEqual(cfg.linux.namespaces.find((n) => n.type === "network"), { type: "network", path: "/run/netns/x" });
  const seccomp = defaultSeccompProfile("x64");
  assert.equal(seccomp.defaultAction, "SCMP_ACT_ERRNO");
  const allowed = seccomp.syscalls[0]!.names;
  for (const s of ["read", "execve", "clone", "mount", "reboot", "unshare"]) {
    if (["mount", "reboot", "unshare", "clone"].includes(s)) assert.ok(!allowed.includes(s), `${s} is not allowed unconditionally`);
    else assert.ok(allowed.includes(s), `${s} is allowed`);
  }
  rmSync(root, { recursive: true, force: true });
});

test("the CRI log: records parsed, streams and partial lines kept, followed across a rotation without loss", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-log-"));
  const log = join(dir, "container.log");
  writeFileSync(`${log}.1`, "2026-01-01T00:00:00.000000001Z stdout F one\n");
  writeFileSync(log, "2026-01-01T00:00:01.5Z stderr P par\n2026-01-01T00:00:01.6Z stderr F tial\nnot a record\n");
  const all = readLog(log, 3);
  assert.deepEqual(all.map((r) => [r.stream, r.content.toString(), r.partial]), [["stdout", "one", false], ["stderr", "par", true], ["stderr", "tial", false]]);
  assert.equal(Buffer.concat(all.slice(1).map((r) => recordBytes(r, false))).toString(), "partial\n");
  assert.equal(recordBytes(parseRecord(Buffer.from("2026-01-01T00:00:00Z stdout F x"))!, true).toString(), "x\r\n");

  const seen: LogRecord[] = [];
  const f = new LogFollower(log, 0, (r) => seen.push(...r));
  appendFileSync(log, "2026-01-01T00:00:02Z stdout F before-rotation\n");
  f.poll();
  renameSync(log, `${log}.1`);
  appendFileSync(`${log}.1`, "2026-01-01T00:00:03Z stdout F late-in-old-file\n");
  writeFileSync(log, "2026-01-01T00:00:04Z stdout F after-rotation\n");
  f.poll();
  f.close();
  assert.deepEqual(seen.map((r) => r.content.toString()), ["partial".slice(0, 3), "tial", "before-rotation", "late-in-old-file", "after-rotation"]);
  rmSync(dir, { recursive: true, force: true });
});

test("a follower that starts where the read of the history ended loses nothing written between the two", () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-log-"));
  const log = join(dir, "container.log");
  // The last line is still being written when the history is read.
  writeFileSync(log, "2026-01-01T00:00:01Z stdout F first\n2026-01-01T00:00:02Z stdout F sec");
  const { records, end } = readLogUpTo(log, 3);
  assert.deepEqual(records.map((r) => r.content.toString()), ["first"]);
  appendFileSync(log, "ond\n2026-01-01T00:00:03Z stdout F between\n");
  const seen: LogRecord[] = [];
  const f = new LogFollower(log, end, (r) => seen.push(...r));
  appendFileSync(log, "2026-01-01T00:00:04Z stdout F after\n");
  f.poll();
  f.close();
  assert.deepEqual(seen.map((r) => r.content.toString()), ["second", "between", "after"]);
  rmSync(dir, { recursive: true, force: true });
});

test("the event bus: subscribers get events as published, `since` answers from the backlog", () => {
  let now = 1_700_000_000_000;
  const bus = new EventBus(() => now);
  const got: string[] = [];
  const off = bus.subscribe((e) => got.push(`${e.Type}:${e.Action}:${e.Actor.ID}`));
  bus.publish("container", "create", "c1", { name: "x" });
  now += 5000;
  bus.publish("image", "pull", "busybox");
  off();
  bus.publish("container", "destroy", "c1");
  assert.deepEqual(got, ["container:create:c1", "image:pull:busybox"]);
  assert.deepEqual(bus.since((now - 1000) * 1e6).map((e) => e.Action), ["pull", "destroy"]);
});

test("a create body is checked for shape once: lists of strings, string labels, objects where objects go; what is right is kept typed", () => {
  assert.throws(() => parseCreateRequest(null), /config cannot be empty/);
  assert.throws(() => parseCreateRequest({ Cmd: ["true"] }), /config cannot be empty/);
  assert.throws(() => parseCreateRequest({ Image: "busybox", Cmd: [1] }), /Cmd must be a list of strings/);
  assert.throws(() => parseCreateRequest({ Image: "busybox", Env: {} }), /Env must be a list of strings/);
  assert.throws(() => parseCreateRequest({ Image: "busybox", Labels: { a: 1 } }), /label a: the value must be a string/);
  assert.throws(() => parseCreateRequest({ Image: "busybox", HostConfig: [] }), /HostConfig must be an object/);
  assert.throws(() => parseCreateRequest({ Image: "busybox", NetworkingConfig: { EndpointsConfig: "x" } }), /EndpointsConfig must be an object/);
  const r = parseCreateRequest({ Image: "busybox", Cmd: "date", Entrypoint: [""], Tty: 1, Hostname: 7, StopTimeout: 3, HostConfig: { Memory: 64 << 20 } });
  assert.deepEqual(r.Cmd, ["date"], "a single string is a one-word command, as dockerd takes it");
  assert.deepEqual(r.Entrypoint, [""], "an empty entrypoint is kept: create reads it as 'none'");
  assert.equal(r.Tty, true);
  assert.equal(r.Hostname, undefined, "a hostname that is not text is left out, as dockerd ignores it");
  assert.equal(r.StopTimeout, 3);
  assert.equal(r.HostConfig?.Memory, 64 << 20);
});

test("the control plane's RunSpec becomes the same typed create request a `docker run` body does", () => {
  const req = createRequest({
    image: "busybox", cmd: ["sleep", "1"], env: { A: "1" }, labels: { team: "x" }, ports: [{ container: 80, protocol: "tcp", host: 8080 }],
    volumes: [{ source: "/srv", target: "/data", readOnly: true }], memoryBytes: 64 << 20, cpus: 0.5, restartPolicy: { name: "on-failure", maxRetries: 2 }, network: "host",
  } as Parameters<typeof createRequest>[0]);
  assert.deepEqual(req.Cmd, ["sleep", "1"]);
  assert.deepEqual(req.Env, ["A=1"]);
  assert.deepEqual(req.ExposedPorts, { "80/tcp": {} });
  assert.deepEqual(req.HostConfig?.PortBindings, { "80/tcp": [{ HostIp: "", HostPort: "8080" }] });
  assert.deepEqual(req.HostConfig?.Binds, ["/srv:/data:ro"]);
  assert.equal(req.HostConfig?.NanoCpus, 5e8);
  assert.deepEqual(req.HostConfig?.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 2 });
  assert.equal(req.HostConfig?.NetworkMode, "host");
  assert.deepEqual(parseCreateRequest(req), { ...req, Labels: { team: "x" } }, "a typed request passes the shape check unchanged");
});

test("`top` keeps ps's rows of the container's pids, its last column whole", () => {
  const ps = "UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 10:00 ? 00:00:01 /sbin/init splash\nroot 42 1 0 10:01 ? 00:00:00 sh -c sleep 100\nroot 43 42 0 10:01 ? 00:00:00 sleep 100\n";
  const t = psTable(ps, new Set(["42", "43"]));
  assert.deepEqual(t.Titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
  assert.deepEqual(t.Processes.map((p) => p.at(-1)), ["sh -c sleep 100", "sleep 100"]);
  assert.throws(() => psTable("USER COMMAND\nroot init\n", new Set()), /Couldn't find PID field/);
});

test("one error classification, mapped by each adapter in one place: the Engine API's status, the protocol's code", () => {
  const cases: [unknown, number, string][] = [
    [new GantryError("not_found", "No such container: x"), 404, "not_found"],
    [new GantryError("conflict", "in use"), 409, "conflict"],
    [new GantryError("forbidden", "no"), 403, "bad_request"],
    [new GantryError("unavailable", "no network engine"), 503, "unavailable"],
    [new ImageNotFoundError("busybox:latest"), 404, "not_found"],
    [new ImageError("unauthorized", "denied by the registry"), 401, "bad_request"],
    [new ImageError("registry", "the registry failed"), 502, "internal"],
    [new ImageError("invalid_reference", "bad ref"), 400, "bad_request"],
  ];
  for (const [e, status, code] of cases) {
    assert.equal(toApiError(e).status, status, `${(e as Error).message}: Engine API status`);
    assert.equal(toCommandError(e).code, code, `${(e as Error).message}: protocol code`);
    assert.equal(toCommandError(e).message, (e as Error).message);
  }
  const fault = new TypeError("x is undefined at /secret/path");
  assert.deepEqual(classify(fault), { status: 500, code: "internal", message: "internal error in the Gantry agent (details are in its log)", internal: true });
  assert.equal(toCommandError(fault).message, classify(fault).message, "a fault's details leak through neither adapter");
  assert.deepEqual(toApiError(new ApiError(501, "not implemented")), { status: 501, message: "not implemented", internal: false });
});

test("the runtime client speaks the real gantry-runtime: its refusal carries the runtime's own reason", async () => {
  const binary = runtimeBinary();
  const root = mkdtempSync(join(tmpdir(), "gantry-rt-"));
  try {
    const rt = new RuntimeClient(binary, root);
    assert.deepEqual(await rt.list(), []);
    await assert.rejects(rt.kill("nosuch", 9), (e: unknown) => e instanceof RuntimeError && e.verb === "kill" && /container "nosuch" does not exist/.test(e.reason) && !e.reason.startsWith("gantry-runtime:"));
    await assert.rejects(rt.ps("nosuch"), RuntimeError);
    assert.match((await runtimeVersion(binary)) ?? "", /^gantry-runtime version /);
    assert.equal(await runtimeVersion(join(root, "missing")), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
