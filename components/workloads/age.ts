// How long ago a time was, as kubectl prints ages: 45s, 3m, 2h, 5d.
export function age(time: string | null | undefined, now: number): string {
  if (!time) return "—";
  const t = Date.parse(time);
  if (Number.isNaN(t)) return "—";
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
