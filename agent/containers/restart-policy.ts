// Restart policies as dockerd's restart manager applies them (daemon/internal/restartmanager, daemon/kill.go):
//
// - The delay before a restart starts at 100 ms and doubles at each restart, up to a minute; a container that ran 10 s
//   or more starts over at 100 ms. RestartCount only grows (a `docker start` or `restart` sets it back to 0).
// - `always` restarts whatever the exit code; `unless-stopped` too, unless the container was stopped by hand (`docker
//   stop` or `kill`); `on-failure[:N]` on a non-zero exit code, N times at most.
// - A `docker stop`, a `docker kill` (SIGKILL) — or a `kill -s` with the container's stop signal, or with any signal
//   when it has none set — means "do not restart it": its next exit ends it, whatever the policy. A `kill -s` with
//   another signal does not: a container that dies of it restarts under `always` and `on-failure` (not under
//   `unless-stopped`: it was stopped by hand).
import { parseSignal } from "./signals";
import type { RestartPolicy } from "./types";

export const RESTART_FIRST_MS = 100;
export const RESTART_MAX_MS = 60_000;
/** A container that ran this long before it exited starts its back-off over. */
export const RESTART_RESET_MS = 10_000;

/** Whether a container that just exited restarts under its policy (a cancelled restart aside). */
export function shouldRestart(policy: RestartPolicy, exitCode: number, restartCount: number, manuallyStopped: boolean): boolean {
  switch (policy.Name) {
    case "always":
      return true;
    case "unless-stopped":
      return !manuallyStopped;
    case "on-failure":
      return exitCode !== 0 && (!policy.MaximumRetryCount || restartCount < policy.MaximumRetryCount);
    default:
      return false;
  }
}

/** Whether sending `sig` by hand means the container must not be restarted when it exits (dockerd's ExitOnNext). */
export function signalEndsRestarts(stopSignal: string | undefined, sig: number): boolean {
  if (sig === 9 || !stopSignal) return true;
  try {
    return parseSignal(stopSignal) === sig;
  } catch {
    return true;
  }
}

/** One container's back-off: the delay before each restart. */
export class RestartBackoff {
  private timeout = 0;

  constructor(private readonly firstMs = RESTART_FIRST_MS) {}

  /** The delay before the restart of a container that ran `ranMs` before it exited. */
  next(ranMs: number): number {
    if (ranMs >= RESTART_RESET_MS) this.timeout = 0;
    this.timeout = this.timeout === 0 ? this.firstMs : Math.min(RESTART_MAX_MS, this.timeout * 2);
    return this.timeout;
  }
}

/**
 * The engine's restart state beside the records: each container's back-off, and which were told not to restart
 * (kept in memory, as dockerd's restart managers are; a start forgets both).
 */
export class RestartTracker {
  private readonly backoffs = new Map<string, RestartBackoff>();
  private readonly cancelled = new Set<string>();

  constructor(private readonly firstMs = RESTART_FIRST_MS) {}

  /** A stop or kill by hand: its next exit is final. */
  cancel(id: string) {
    this.cancelled.add(id);
  }

  /** A start by hand (or a removal): a new back-off, nothing cancelled. */
  reset(id: string) {
    this.cancelled.delete(id);
    this.backoffs.delete(id);
  }

  /** Whether (and after how long) a container that exited restarts. */
  decide(id: string, policy: RestartPolicy, exitCode: number, restartCount: number, manuallyStopped: boolean, ranMs: number): { restart: boolean; delayMs: number } {
    if (this.cancelled.has(id) || !shouldRestart(policy, exitCode, restartCount, manuallyStopped)) return { restart: false, delayMs: 0 };
    let b = this.backoffs.get(id);
    if (!b) this.backoffs.set(id, (b = new RestartBackoff(this.firstMs)));
    return { restart: true, delayMs: b.next(ranMs) };
  }
}
