// Capped exponential back-off with jitter ("equal jitter": half fixed, half random), so a fleet that lost its control
// plane does not come back in lock-step — spread, after a lost connection, over the reconnect window the control plane
// gave (it grows with the fleet: thousands of hosts returning within one second would be a thundering herd).
import type { Random } from "./clock";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 };

/** The wait before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: Random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** While a control plane is unreachable, a fleet small enough for a window under 2.5 s retries at least every 5 s. */
const MIN_RECONNECT_CAP_MS = 5_000;

/**
 * The wait before reconnection attempt `attempt` (0: the first, right after the connection was lost) when the control
 * plane asked for reconnections to be spread over `windowMs`: the first anywhere in the window (each host of the
 * fleet at its own moment), later ones back off as usual but never more often than once per half window, and never
 * less often than every two windows (5 s at least, the policy's cap at most) — so while the control plane is down
 * the fleet's attempts stay spread, and once it is up every host is back within about two windows, arriving at about
 * fleet/window per second. A window of 0 is plain back-off.
 */
export function reconnectDelay(attempt: number, policy: BackoffPolicy, windowMs: number, random: Random): number {
  if (windowMs <= 0) return backoffDelay(attempt, policy, random);
  if (attempt === 0) return Math.round(random() * Math.max(windowMs, policy.baseMs));
  const cap = Math.max(windowMs, Math.min(policy.maxMs, Math.max(2 * windowMs, MIN_RECONNECT_CAP_MS)));
  const ceiling = Math.min(cap, Math.max(policy.baseMs * 2 ** Math.min(attempt, 30), windowMs));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A wait the control plane asked for ("retry after N ms"), plus up to half as much again at random. */
export function afterHint(ms: number, random: Random): number {
  return Math.round(ms * (1 + random() / 2));
}

/** The heartbeat period ± 10 %. */
export function jittered(intervalMs: number, random: Random): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}
