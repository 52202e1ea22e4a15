// Display helpers for host facts and times.
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** "2 CPUs · 23.5 GiB": a count and an amount side by side (not "2 × 23.5 GiB", which reads as a product). */
export function formatCpusMemory(cpus: number, memoryBytes: number): string {
  return `${cpus} CPU${cpus === 1 ? "" : "s"} · ${formatBytes(memoryBytes)}`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "never" for null. */
export function formatAgo(iso: string | null, now: number): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export function formatTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}
