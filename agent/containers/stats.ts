// A container's resource usage in the shape of dockerd's stats (what `docker stats` computes its columns from): CPU
// from cpuacct (v1) or cpu.stat (v2) against the host's /proc/stat, memory and pids from their controllers, network
// from /proc/<pid>/net/dev inside its namespace, block I/O from blkio (v1) or io.stat (v2). As in dockerd, what only
// cgroup v1 keeps is only there on v1: cpu_usage.percpu_usage (cpuacct.usage_percpu) and memory_stats.max_usage
// (memory.max_usage_in_bytes) and failcnt.
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

const read = (p: string): string | null => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
};
const int = (s: string | null | undefined) => (s ? Number(s.trim()) || 0 : 0);
const kv = (text: string | null): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const line of (text ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v) || 0;
  }
  return out;
};

const V2 = !existsSync("/sys/fs/cgroup/memory") && existsSync("/sys/fs/cgroup/cgroup.controllers");

/** Host CPU time in nanoseconds (what Docker calls system_cpu_usage). */
function systemCpuNs(): number {
  const line = (read("/proc/stat") ?? "").split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return 0;
  const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((a, b) => a + Number(b), 0);
  return ticks * (1e9 / 100);
}

export function containerStats(cgroupPath: string, pid: number, name: string, id: string) {
  const rel = cgroupPath.replace(/^\//, "");
  const online = cpus().length;
  let cpuTotal = 0;
  let cpuUser = 0;
  let cpuKernel = 0;
  let memUsage = 0;
  let memLimit = 0;
  let memStats: Record<string, number> = {};
  let percpu: number[] | undefined;
  let memV1: { max_usage: number; failcnt: number } | undefined;
  let throttling = { periods: 0, throttled_periods: 0, throttled_time: 0 };
  let pids = 0;
  let pidsLimit = 0;
  const blk: { major: number; minor: number; op: string; value: number }[] = [];
  if (V2) {
    const dir = join("/sys/fs/cgroup", rel);
    const cs = kv(read(join(dir, "cpu.stat")));
    cpuTotal = (cs.usage_usec ?? 0) * 1000;
    cpuUser = (cs.user_usec ?? 0) * 1000;
    cpuKernel = (cs.system_usec ?? 0) * 1000;
    throttling = { periods: cs.nr_periods ?? 0, throttled_periods: cs.nr_throttled ?? 0, throttled_time: (cs.throttled_usec ?? 0) * 1000 };
    memUsage = int(read(join(dir, "memory.current")));
    const max = read(join(dir, "memory.max"))?.trim();
    memLimit = max && max !== "max" ? Number(max) : 0;
    memStats = kv(read(join(dir, "memory.stat")));
    pids = int(read(join(dir, "pids.current")));
    const pmax = read(join(dir, "pids.max"))?.trim();
    pidsLimit = pmax && pmax !== "max" ? Number(pmax) : 0;
    for (const line of (read(join(dir, "io.stat")) ?? "").split("\n")) {
      const m = /^(\d+):(\d+)\s+(.*)$/.exec(line.trim());
      if (!m) continue;
      const f = Object.fromEntries(m[3]!.split(/\s+/).map((p) => p.split("=")));
      blk.push({ major: +m[1]!, minor: +m[2]!, op: "read", value: Number(f.rbytes ?? 0) });
      blk.push({ major: +m[1]!, minor: +m[2]!, op: "write", value: Number(f.wbytes ?? 0) });
    }
  } else {
    const c = (ctrl: string, file: string) => read(join("/sys/fs/cgroup", ctrl, rel, file));
    cpuTotal = int(c("cpuacct", "cpuacct.usage"));
    const st = kv(c("cpuacct", "cpuacct.stat"));
    cpuUser = (st.user ?? 0) * 1e7;
    cpuKernel = (st.system ?? 0) * 1e7;
    const perCpu = c("cpuacct", "cpuacct.usage_percpu")?.trim();
    if (perCpu) percpu = perCpu.split(/\s+/).map((n) => Number(n) || 0);
    const cs = kv(c("cpu", "cpu.stat"));
    throttling = { periods: cs.nr_periods ?? 0, throttled_periods: cs.nr_throttled ?? 0, throttled_time: cs.throttled_time ?? 0 };
    memUsage = int(c("memory", "memory.usage_in_bytes"));
    const maxUsage = c("memory", "memory.max_usage_in_bytes");
    if (maxUsage !== null) memV1 = { max_usage: int(maxUsage), failcnt: int(c("memory", "memory.failcnt")) };
    memLimit = int(c("memory", "memory.limit_in_bytes"));
    memStats = kv(c("memory", "memory.stat"));
    pids = int(c("pids", "pids.current"));
    const pmax = c("pids", "pids.max")?.trim();
    pidsLimit = pmax && pmax !== "max" ? Number(pmax) : 0;
    for (const line of (c("blkio", "blkio.throttle.io_service_bytes") ?? "").split("\n")) {
      const m = /^(\d+):(\d+)\s+(\w+)\s+(\d+)$/.exec(line.trim());
      if (m) blk.push({ major: +m[1]!, minor: +m[2]!, op: m[3]!.toLowerCase(), value: Number(m[4]) });
    }
  }
  const hostMem = int((read("/proc/meminfo") ?? "").match(/MemTotal:\s+(\d+)/)?.[1]) * 1024;
  if (!memLimit || memLimit > hostMem) memLimit = hostMem;

  const networks: Record<string, Record<string, number>> = {};
  if (pid) {
    for (const line of (read(`/proc/${pid}/net/dev`) ?? "").split("\n").slice(2)) {
      const [ifname, rest] = line.split(":");
      if (!rest || ifname!.trim() === "lo") continue;
      const f = rest.trim().split(/\s+/).map(Number);
      networks[ifname!.trim()] = {
        rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!,
        tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]!,
      };
    }
  }
  return {
    name: `/${name.replace(/^\//, "")}`,
    id,
    read: new Date().toISOString(),
    pids_stats: { current: pids, ...(pidsLimit ? { limit: pidsLimit } : {}) },
    blkio_stats: { io_service_bytes_recursive: blk, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: {
      cpu_usage: { total_usage: cpuTotal, ...(percpu ? { percpu_usage: percpu } : {}), usage_in_kernelmode: cpuKernel, usage_in_usermode: cpuUser },
      system_cpu_usage: systemCpuNs(),
      online_cpus: online,
      throttling_data: throttling,
    },
    memory_stats: { usage: memUsage, ...(memV1 ?? {}), stats: memStats, limit: memLimit },
    networks,
  };
}
