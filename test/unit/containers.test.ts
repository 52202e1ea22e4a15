// The container page's pure rules: which env values are masked, and the figures docker stats shows from a sample.
import { test } from "node:test";
import assert from "node:assert/strict";
import { envEntries } from "../../lib/containers/secret-env";
import { statsFigures } from "../../lib/containers/stats-figures";

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
