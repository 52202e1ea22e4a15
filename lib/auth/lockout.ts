// Sign-in back-off: after LOCKOUT_THRESHOLD consecutive failures an account is locked for 30 s, doubling with each
// further failure, capped at 15 minutes. A pure function of the failure count, so it is tested without waiting.
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_BASE_MS = 30_000;
export const LOCKOUT_MAX_MS = 15 * 60_000;

/** How long to lock an account that has now failed `failures` times in a row (0 below the threshold). */
export function lockoutMs(failures: number): number {
  if (failures < LOCKOUT_THRESHOLD) return 0;
  const doublings = Math.min(failures - LOCKOUT_THRESHOLD, 30);
  return Math.min(LOCKOUT_BASE_MS * 2 ** doublings, LOCKOUT_MAX_MS);
}

/** "2 minutes", "45 seconds": how a wait is shown to a person. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
