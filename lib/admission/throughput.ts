// How fast some work goes while it is busy, so a refusal can say when to come back: the time the work already waiting
// will take. The pace is what the recent pieces of work took, not how many finished lately: `parallel` of them run at
// once, each taking what it took, so the work goes at parallel × pieces / time taken (Little's law for a busy queue —
// which it is whenever somebody is refused). Counting completions over the time since the first one instead reads a
// storm's first second as a slow pace (8 joins done in 50 ms counted as 8 a second: "retry in 25 s" to hosts whose
// turn came 1 s later, leaving the control plane idle) and an idle hour as a slow one too.
export class Throughput {
  private samples: Array<{ at: number; n: number; ms: number }> = [];

  constructor(
    /** How many pieces of work (or batches) run at once when it is busy. */
    private readonly parallel: number,
    /** The pace assumed before enough has finished to know, per second. */
    private readonly assumedPerSecond: number,
    private readonly windowMs = 10_000,
  ) {}

  /** `n` pieces of work (one batch of them, or one) finished now, after `tookMs` of work on them. */
  done(n: number, tookMs: number, now = Date.now()) {
    this.samples.push({ at: now, n, ms: Math.max(1, tookMs) });
    this.trim(now);
  }

  perSecond(now = Date.now()): number {
    this.trim(now);
    let n = 0;
    let ms = 0;
    for (const s of this.samples) {
      n += s.n;
      ms += s.ms;
    }
    if (n < 8) return this.assumedPerSecond;
    return Math.max((this.parallel * n * 1000) / ms, 1);
  }

  /** The time `backlog` pieces of work will take at the recent pace, between `min` and `max` ms. */
  drainMs(backlog: number, min: number, max: number, now = Date.now()): number {
    return Math.round(Math.min(max, Math.max(min, (backlog / this.perSecond(now)) * 1000)));
  }

  private trim(now: number) {
    const from = now - this.windowMs;
    let i = 0;
    while (i < this.samples.length && this.samples[i]!.at < from) i++;
    if (i) this.samples.splice(0, i);
    // Bounded however fast work goes: the pace is as well known from the last 1,000 as from more.
    if (this.samples.length > 1_000) this.samples.splice(0, this.samples.length - 1_000);
  }
}
