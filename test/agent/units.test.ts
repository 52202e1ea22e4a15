// The agent's pure parts: back-off and jitter, os-release and cgroup detection, flags; and the reconnect loop driven
// by an injected clock against a port where nothing listens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { backoffDelay, jittered, DEFAULT_BACKOFF } from "@/agent/backoff";
import { detectCgroupVersion, parseOsRelease } from "@/agent/facts";
import { loadAgentConfig, ConfigError } from "@/agent/config";
import { AgentLink } from "@/agent/link";
import type { Clock } from "@/agent/clock";
import { freePort } from "../support/control-plane";

test("back-off doubles from the base, is capped, and jitters within the upper half", () => {
  const policy = { baseMs: 1000, maxMs: 30_000 };
  const low = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, policy, () => 0));
  const high = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, policy, () => 0.999999));
  assert.deepEqual(low, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.deepEqual(high, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoffDelay(1_000_000, policy, () => 0.5), 22_500, "huge attempt counts stay capped");
  for (let i = 0; i < 100; i++) {
    const j = jittered(10_000, Math.random);
    assert.ok(j >= 9_000 && j <= 11_000, `heartbeat ${j} within ±10 %`);
  }
});

test("os-release: quoted, escaped and missing values", () => {
  const os = parseOsRelease(`PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME='Debian GNU/Linux'\nVERSION_ID="12"\nID=debian\n# comment\nHOME_URL="https://www.debian.org/"\nX="say \\"hi\\""\n`);
  assert.deepEqual(os, { id: "debian", name: "Debian GNU/Linux", version: "12", prettyName: "Debian GNU/Linux 12 (bookworm)" });
  assert.deepEqual(parseOsRelease(""), { id: null, name: null, version: null, prettyName: null });
});

test("cgroup version from mountinfo: pure v2, hybrid, v1, and this machine", () => {
  const line = (point: string, fstype: string, src = fstype) => `30 23 0:26 / ${point} rw,nosuid shared:4 - ${fstype} ${src} rw`;
  assert.equal(detectCgroupVersion([line("/", "ext4", "/dev/sda1"), line("/sys/fs/cgroup", "cgroup2")].join("\n")), "v2");
  const v1 = [line("/sys/fs/cgroup", "tmpfs"), line("/sys/fs/cgroup/memory", "cgroup"), line("/sys/fs/cgroup/cpu", "cgroup")];
  assert.equal(detectCgroupVersion(v1.join("\n")), "v1");
  assert.equal(detectCgroupVersion([...v1, line("/sys/fs/cgroup/unified", "cgroup2")].join("\n")), "hybrid");
  assert.equal(detectCgroupVersion("garbage\n\n"), "unknown");
  const here = detectCgroupVersion(readFileSync("/proc/self/mountinfo", "utf8"));
  assert.notEqual(here, "unknown");
});

test("configuration: flags win over the environment, bad values are named", () => {
  const c = loadAgentConfig(["--server", "http://cp.example:3000/", "--token=gjt_x"], { GANTRY_SERVER_URL: "http://other", GANTRY_ROOT: "/tmp/r" });
  assert.equal(c.serverUrl, "http://cp.example:3000");
  assert.equal(c.joinToken, "gjt_x");
  assert.equal(c.root, "/tmp/r");
  assert.equal(c.heartbeatIntervalMs, 10_000);
  assert.equal(loadAgentConfig([], {}).serverUrl, null, "no server: standalone");
  assert.throws(() => loadAgentConfig(["--sever", "x"], {}), (e: Error) => e instanceof ConfigError && /unknown option --sever/.test(e.message));
  assert.throws(() => loadAgentConfig([], { GANTRY_SERVER_URL: "ftp://x" }), /must start with http/);
  assert.throws(() => loadAgentConfig([], { GANTRY_HEARTBEAT_INTERVAL_MS: "soon" }), /GANTRY_HEARTBEAT_INTERVAL_MS/);
});

test("the link reconnects with growing, capped, jittered delays taken from the injected clock", async () => {
  const port = await freePort(); // nothing listens there: every attempt is refused at once
  const delays: number[] = [];
  let link!: AgentLink;
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      delays.push(ms);
      if (delays.length >= 8) queueMicrotask(() => link.stop());
      else setImmediate(fn); // no real waiting: the test clock fires at once
      return delays.length;
    },
    clearTimeout: () => {},
  };
  link = new AgentLink({
    serverUrl: `http://127.0.0.1:${port}`,
    credential: "gch_" + "D".repeat(43),
    facts: async () => assert.fail("never connected"),
    heartbeatIntervalMs: 1000,
    clock,
    random: () => 0.5,
    log: () => {},
  });
  await link.run();
  assert.deepEqual(delays, [0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, DEFAULT_BACKOFF, () => 0.5)));
  assert.deepEqual(delays, [750, 1500, 3000, 6000, 12000, 22500, 22500, 22500]);
});

test("without a control plane the agent says so, runs standalone and stops cleanly on SIGTERM", async () => {
  const { startAgent } = await import("../support/agent");
  const a = startAgent();
  try {
    await a.waitForOutput("running standalone", 60_000);
    assert.equal(a.process.exitCode, null, "still running");
    assert.equal(await a.stop(), 0);
    assert.match(a.output(), /SIGTERM: stopping/);
  } finally {
    await a.destroy();
  }
});
