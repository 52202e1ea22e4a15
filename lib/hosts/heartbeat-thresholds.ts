// How long a host may stay silent: after `staleMs` without a heartbeat it is "stale", after `offlineMs` "offline".
// Agents beat every 10 s, so the defaults allow two and four missed beats. Tests shorten them through the environment.
export interface HeartbeatThresholds {
  staleMs: number;
  offlineMs: number;
}

export function heartbeatThresholds(env: Record<string, string | undefined> = process.env): HeartbeatThresholds {
  const staleMs = readMs(env, "GANTRY_HEARTBEAT_STALE_MS", 25_000);
  const offlineMs = readMs(env, "GANTRY_HEARTBEAT_OFFLINE_MS", 45_000);
  if (offlineMs <= staleMs) {
    throw new Error(`GANTRY_HEARTBEAT_OFFLINE_MS (${offlineMs}) must be greater than GANTRY_HEARTBEAT_STALE_MS (${staleMs})`);
  }
  return { staleMs, offlineMs };
}

function readMs(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 100 || n > 86_400_000) throw new Error(`${name} must be a whole number of milliseconds (100..86400000), got "${raw}"`);
  return n;
}
