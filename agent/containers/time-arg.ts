// The time arguments of `docker logs` and `docker events` (--since, --until), as dockerd reads them.
import { badRequest } from "../../lib/errors";

/** "1700000000", "1700000000.5", an RFC 3339 time, or a duration like "10m" (before now) → unix seconds. */
export function parseTimeArg(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const d = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (d) return (now - Number(d[1]) * { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[d[2] as "s"]) / 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw badRequest(`invalid time value: "${v}"`);
  return t / 1000;
}
