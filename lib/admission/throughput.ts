// How fast some work goes while it is busy, so a refusal can say when to come back: the time the work already waiting
// will take. The pace is what the recent pieces of work took, not how many finished lately: `parallel` of them run at
// once, each taking what it took, so the work goes at parallel × pieces / time taken (Little's law for a busy queue —
// which it is whenever somebody is refused), the median piece's. Counting completions over the time since the first one instead reads a
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

  /**
   * The median piece of work's pace, times how many run at once: a few slow ones (the first after a start, while
   * modules load and connections open) do not make a storm's pace look slow for the next 10 s, as a mean would.
   */
  perSecond(now = Date.now()): number {
    this.trim(now);
    if (this.samples.reduce((n, s) => n + s.n, 0) < 8) return this.assumedPerSecond;
    const rates = this.samples.map((s) => s.n / s.ms).sort((a, b) => a - b);
    const median = rates.length % 2 ? rates[rates.length >> 1]! : (rates[rates.length / 2 - 1]! + rates[rates.length / 2]!) / 2;
    return Math.max(this.parallel * median * 1000, 1);
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
