// How fast some work has been finishing lately (a moving window), so a refusal can say when to come back: the time
// the work already waiting will take, at the pace it has been going.
export class Throughput {
  private times: number[] = [];

  constructor(
    /** The pace assumed before anything has finished, per second. */
    private readonly assumedPerSecond: number,
    private readonly windowMs = 10_000,
  ) {}

  /** `n` pieces of work finished now. */
  done(n = 1, now = Date.now()) {
    for (let i = 0; i < n; i++) this.times.push(now);
    this.trim(now);
  }

  perSecond(now = Date.now()): number {
    this.trim(now);
    if (this.times.length < 8) return this.assumedPerSecond;
    const span = Math.max(1_000, now - this.times[0]!);
    return Math.max(this.times.length / (span / 1000), 1);
  }

  /** The time `backlog` pieces of work will take at the recent pace, between `min` and `max` ms. */
  drainMs(backlog: number, min: number, max: number, now = Date.now()): number {
    return Math.round(Math.min(max, Math.max(min, (backlog / this.perSecond(now)) * 1000)));
  }

  private trim(now: number) {
    const from = now - this.windowMs;
    let i = 0;
    while (i < this.times.length && this.times[i]! < from) i++;
    if (i) this.times.splice(0, i);
    // Bounded however fast work goes: the pace is as well known from the last 10,000 as from more.
    if (this.times.length > 10_000) this.times.splice(0, this.times.length - 10_000);
  }
}
