// Sign-in back-off, kept per (source address, account) so it slows whoever is guessing without locking the account's
// owner out from anywhere else: after LOCKOUT_THRESHOLD consecutive failures from one address against one email, that
// pair's attempts are refused unchecked for 30 s, doubling with each further failure, capped at 15 minutes. Unknown
// emails are throttled exactly like known ones, and a refused attempt answers like any other failure (lib/users/
// verify-credentials.ts), so the throttle tells nobody which accounts exist. Pure functions, tested without waiting.
import { createHash } from "node:crypto";

export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_BASE_MS = 30_000;
export const LOCKOUT_MAX_MS = 15 * 60_000;
/** A pair with no failure for this long is forgotten (its count starts again). */
export const THROTTLE_FORGET_MS = 24 * 3600_000;

/** How long to refuse a pair that has now failed `failures` times in a row (0 below the threshold). */
export function lockoutMs(failures: number): number {
  if (failures < LOCKOUT_THRESHOLD) return 0;
  const doublings = Math.min(failures - LOCKOUT_THRESHOLD, 30);
  return Math.min(LOCKOUT_BASE_MS * 2 ** doublings, LOCKOUT_MAX_MS);
}

export interface ThrottleKey {
  /** The client's address as the server stamped it (lib/http/client-address.ts); "unknown" when there was none. */
  address: string;
  /** sha256 of the normalized email: every email typed, known or not, without storing what strangers typed. */
  account: string;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function throttleKey(address: string | null | undefined, email: string): ThrottleKey {
  return { address: (address ?? "").slice(0, 100) || "unknown", account: accountKey(email) };
}

export function accountKey(email: string): string {
  return createHash("sha256").update(normalizeEmail(email)).digest("hex");
}

/** "2 minutes", "45 seconds": how a wait is shown to a person. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
