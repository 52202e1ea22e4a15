// When to tell the turned-away to come back. Telling every one "when the queue ahead has drained" brings them all back
// together — a second storm, most of it turned away again. Instead each gets a slot of its own: after the work queued
// now, one piece of work's time (at the recent pace) after the slot given to the one turned away before it, up to the
// longest wait allowed. Those turned away at once come back one after another, at about the pace the work goes.
import type { Throughput } from "./throughput";

export class ReturnSlots {
  /** The last slot given, in ms since the epoch. */
  private last = 0;

  constructor(private readonly pace: Throughput) {}

  /** In how many ms to come back: after `backlog` pieces of work and everyone turned away before, within [min, max]. */
  take(backlog: number, min: number, max: number, now = Date.now()): number {
    const msEach = 1000 / this.pace.perSecond(now);
    const afterBacklog = now + Math.max(min, backlog * msEach);
    // Slots past `max` are not kept: once the wait is at its longest, those told it come back spread by their jitter.
    this.last = Math.min(now + max, Math.max(afterBacklog, this.last + msEach));
    return Math.round(this.last - now);
  }
}
