// A bounded gate in front of work that needs the database: at most `concurrent` at once, up to `queued` more waiting
// their turn in order (no longer than `maxWaitMs` by the recent pace), and past that a BusyError at once, saying when
// to come back (a slot of its own after the work ahead, at the recent pace: ./return-slots.ts). A storm of callers then
// costs a queue of known size and fast refusals, never a pile of waits that time out after holding everything up.
import { busy } from "@/lib/errors";
import { ReturnSlots } from "./return-slots";
import { Throughput } from "./throughput";

export interface GateOptions {
  concurrent: number;
  queued: number;
  /** Refuse at once, rather than queue, when the work ahead would take longer than this (the caller's own timeout). */
  maxWaitMs?: number;
  /** Bounds of the "retry after" given to those refused, in ms. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

export class Gate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly pace: Throughput;
  private readonly slots: ReturnSlots;

  constructor(
    /** What is refused, for the message: "joins", "connections". */
    private readonly what: string,
    private readonly opts: GateOptions,
  ) {
    this.pace = new Throughput(opts.concurrent, opts.concurrent * 25);
    this.slots = new ReturnSlots(this.pace);
  }

  /** How many are in or waiting. */
  get load(): number {
    return this.running + this.waiting.length;
  }

  /** When one turned away now should come back, in ms (each one asking gets a later slot). */
  retryAfterMs(): number {
    return this.slots.take(this.load, this.opts.minRetryMs ?? 500, this.opts.maxRetryMs ?? 30_000);
  }

  /** Takes a place (waiting for it in order) or throws a BusyError when the queue is full. Give it back with leave(). */
  private async enter(): Promise<void> {
    if (this.running < this.opts.concurrent) {
      this.running++;
      return;
    }
    if (this.waiting.length >= this.opts.queued || (this.opts.maxWaitMs !== undefined && this.pace.drainMs(this.load, 0, Infinity) > this.opts.maxWaitMs)) {
      const ms = this.retryAfterMs();
      throw busy(`too many ${this.what} at once: retry in ${Math.ceil(ms / 1000)} s`, ms);
    }
    // The place is handed over by leave(), never taken back in between.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** `startedAt`: when the work that held the place began (after its wait), for the pace. */
  private leave(startedAt: number) {
    this.pace.done(1, Date.now() - startedAt);
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  async run<T>(f: () => Promise<T>): Promise<T> {
    await this.enter();
    const startedAt = Date.now();
    try {
      return await f();
    } finally {
      this.leave(startedAt);
    }
  }
}
