// The container page's pure rules: which env values are masked, and the figures docker stats shows from a sample.
import { test } from "node:test";
import assert from "node:assert/strict";
import { envEntries } from "../../lib/containers/secret-env";
import { statsFigures } from "../../lib/containers/stats-figures";
import { asideName, nameBeforeAside } from "../../lib/containers/aside-name";
import { runFormFromInspect } from "../../lib/run-form/from-inspect";
import { buildRunSpec } from "../../lib/run-form/build-run-spec";

test("env values whose name looks secret are marked for masking, any case; others are not", () => {
  const entries = envEntries([
    "DB_PASSWORD=hunter2",
    "api_token=abc",
    "AWS_SECRET_ACCESS_KEY=k",
    "SSH_PRIVATE=p",
    "Basic_Auth=u:p",
    "GCP_CREDENTIALS=json",
    "PGPASS=x",
    "PATH=/usr/bin:/bin",
    "HOME=/root",
    "GREETING=a=b=c",
    "EMPTY=",
    "BARE",
  ]);
  assert.deepEqual(
    entries.map((e) => [e.name, e.secret]),
    [
      ["DB_PASSWORD", true],
      ["api_token", true],
      ["AWS_SECRET_ACCESS_KEY", true],
      ["SSH_PRIVATE", true],
      ["Basic_Auth", true],
      ["GCP_CREDENTIALS", true],
      ["PGPASS", true],
      ["PATH", false],
      ["HOME", false],
      ["GREETING", false],
      ["EMPTY", false],
      ["BARE", false],
    ],
  );
  assert.equal(entries[0].value, "hunter2");
  assert.equal(entries[9].value, "a=b=c", "only the first = splits");
  assert.equal(entries[10].value, "");
  assert.equal(entries[11].value, "");
  assert.deepEqual(envEntries(null), []);
});

test("CPU % is the container's share of host CPU time times the online CPUs, as docker stats computes it", () => {
  const f = statsFigures({
    cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 18_000_000_000 },
    memory_stats: { usage: 10_000_000, limit: 64_000_000, stats: { total_inactive_file: 4_000_000 } },
  });
  // 1 s of container CPU over 2 s of host time on 2 CPUs: one CPU busy.
  assert.equal(f.cpuPercent, 100);
  assert.equal(f.memoryBytes, 6_000_000, "v1: total_inactive_file is not counted");
  assert.equal(f.memoryLimitBytes, 64_000_000);

  // cgroup v2 names it inactive_file; percpu_usage counts CPUs when online_cpus is missing; no busy time is 0 %.
  const v2 = statsFigures({
    cpu_stats: { cpu_usage: { total_usage: 5, percpu_usage: [1, 2, 2, 0] }, system_cpu_usage: 100 },
    precpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 50 },
    memory_stats: { usage: 1000, stats: { inactive_file: 200 } },
  });
  assert.equal(v2.cpuPercent, 0);
  assert.equal(v2.memoryBytes, 800);
  const v2b = statsFigures({ cpu_stats: { cpu_usage: { total_usage: 30, percpu_usage: [1, 2, 2, 0] }, system_cpu_usage: 150 }, precpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 50 } });
  assert.equal(v2b.cpuPercent, 100, "25/100 of host time on 4 CPUs");

  // The first sample of a stream has no previous one (precpu_stats {}): no CPU figure yet.
  assert.equal(statsFigures({ cpu_stats: { cpu_usage: { total_usage: 1 }, system_cpu_usage: 1 }, precpu_stats: {} }).cpuPercent, null);
  // Inactive pages larger than the usage (a race between two reads) leave the usage as it is.
  assert.equal(statsFigures({ memory_stats: { usage: 100, stats: { total_inactive_file: 500 } } }).memoryBytes, 100);
});

test("a recreate's aside name says what the container was called, fits the engine's 128 characters, and is read back only for that container", () => {
  const id = "0123456789abcdef".repeat(4);
  assert.equal(asideName("web", id), "web_gantry_old_0123456789ab");
  assert.equal(asideName("web", id, 2), "web_gantry_old_0123456789ab_2");
  assert.equal(nameBeforeAside("web_gantry_old_0123456789ab", id), "web");
  assert.equal(nameBeforeAside("web_gantry_old_0123456789ab_2", id), "web");
  assert.equal(nameBeforeAside("web_gantry_old_0123456789ab", "f".repeat(64)), null, "another container's aside name is just a name");
  assert.equal(nameBeforeAside("web", id), null);
  const long = asideName("x".repeat(200), id, 3);
  assert.equal(long.length, 128);
  assert.equal(nameBeforeAside(long, id), "x".repeat(128 - "_gantry_old_0123456789ab_3".length));
});

test("Edit's form carries the Advanced settings from inspect and builds them back; the engine's default host name is not one", () => {
  const id = "a1b2c3d4e5f6".padEnd(64, "0");
  const inspect = {
    Id: id,
    Name: "/web",
    Config: {
      Image: "busybox",
      WorkingDir: "/srv",
      User: "1000:1000",
      Hostname: "a1b2c3d4e5f6",
      Tty: true,
      OpenStdin: true,
      Healthcheck: { Test: ["CMD", "wget", "-q", "http://localhost/"], Interval: 5e9, Timeout: 2.5e9, Retries: 4 },
    },
    HostConfig: { NetworkMode: "front" },
    NetworkSettings: { Networks: { front: {}, back: {} } },
  };
  const { values } = runFormFromInspect(inspect as never, "web");
  assert.equal(values.hostname, "", "the short id is the engine's default, not a setting");
  const built = buildRunSpec(values);
  assert.ok(built.ok, JSON.stringify(built));
  const spec = built.spec;
  assert.equal(spec.workdir, "/srv");
  assert.equal(spec.user, "1000:1000");
  assert.equal(spec.hostname, undefined);
  assert.equal(spec.tty, true);
  assert.equal(spec.interactive, true);
  assert.equal(spec.network, "front");
  assert.deepEqual(spec.networks, ["back"]);
  assert.deepEqual(spec.healthcheck, { test: ["CMD", "wget", "-q", "http://localhost/"], intervalSeconds: 5, timeoutSeconds: 2.5, retries: 4 });
  const named = runFormFromInspect({ ...inspect, Config: { ...inspect.Config, Hostname: "api.internal" } } as never, "web").values;
  assert.equal(named.hostname, "api.internal");
  // Timings without a command, a relative working directory: each named by its field.
  const bad = buildRunSpec({ ...values, healthCmd: "", workdir: "srv", networks: ["front"] });
  assert.ok(!bad.ok);
  assert.deepEqual(Object.keys(bad.errors).sort(), ["healthCmd", "networks.0", "workdir"]);
});
