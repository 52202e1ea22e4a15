// The figures `docker stats` shows, from one Docker-format stats sample (the stats stream's chunk): CPU % from the
// difference to the previous sample, memory without the page cache the kernel can drop.

export interface StatsSample {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

export interface StatsFigures {
  /** Percent of one CPU: 200 means two CPUs busy, as `docker stats` counts. Null before there are two samples. */
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
}

/** CPU % as docker stats computes it, memory usage less inactive file pages (cgroup v1 total_inactive_file, v2 inactive_file). */
export function statsFigures(s: StatsSample): StatsFigures {
  const cur = s.cpu_stats;
  const pre = s.precpu_stats;
  let cpuPercent: number | null = null;
  if (cur?.cpu_usage?.total_usage !== undefined && pre?.cpu_usage?.total_usage !== undefined && cur.system_cpu_usage !== undefined && pre.system_cpu_usage !== undefined) {
    const cpuDelta = cur.cpu_usage.total_usage - pre.cpu_usage.total_usage;
    const systemDelta = cur.system_cpu_usage - pre.system_cpu_usage;
    const online = cur.online_cpus || cur.cpu_usage.percpu_usage?.length || 1;
    cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
  }
  const m = s.memory_stats;
  let memoryBytes: number | null = null;
  if (m?.usage !== undefined) {
    const st = m.stats ?? {};
    const inactive = st.total_inactive_file !== undefined ? st.total_inactive_file : st.inactive_file;
    memoryBytes = inactive !== undefined && inactive < m.usage ? m.usage - inactive : m.usage;
  }
  return { cpuPercent, memoryBytes, memoryLimitBytes: m?.limit ?? null };
}
