// Capped exponential back-off with jitter ("equal jitter": half fixed, half random), so a fleet that lost its control
// plane does not come back in lock-step.
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

/** The heartbeat period ± 10 %. */
export function jittered(intervalMs: number, random: Random): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}
