// Kubernetes' restart back-off (the kubelet's flowcontrol.Backoff, keyed per pod and container): the first restart of a
// container that exited is at once; each later one waits — 10 s, doubling up to 5 minutes — counted from the moment the
// container finished. A container that ran longer than twice the cap (10 minutes) before it exited starts over at once.
// The same schedule spaces image pulls that failed (ErrImagePull, then ImagePullBackOff while waiting).
import type { Clock } from "../clock";

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 5 * 60_000;

interface Entry {
  delayMs: number;
  /** When the last restart (or pull) was let through. */
  lastMs: number;
}

export class BackOff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = BACKOFF_INITIAL_MS,
    readonly maxMs = BACKOFF_MAX_MS,
  ) {}

  private live(key: string, sinceMs: number): Entry | null {
    const e = this.entries.get(key);
    // What happened more than twice the cap after the last restart resets the schedule (kubelet's hasExpired).
    if (!e || sinceMs - e.lastMs > 2 * this.maxMs) return null;
    return e;
  }

  /** How long a restart of `key`, whose last run ended at `sinceMs`, must still wait (0: it may go now). */
  remaining(key: string, sinceMs: number): number {
    const e = this.live(key, sinceMs);
    return e ? Math.max(0, sinceMs + e.delayMs - this.clock.now()) : 0;
  }

  /** The wait that holds `key` now, for messages ("back-off 20s"). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** A restart of `key` goes now: the next one waits the initial delay, or twice the last one (up to the cap). */
  next(key: string, sinceMs: number): void {
    const e = this.live(key, sinceMs);
    const now = this.clock.now();
    this.entries.set(key, e ? { delayMs: Math.min(2 * e.delayMs, this.maxMs), lastMs: now } : { delayMs: this.initialMs, lastMs: now });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (a pod's containers). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
