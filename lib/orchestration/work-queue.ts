// A keyed work queue as client-go's: a key queued while it is being worked on is worked on again once after (never twice
// at once), repeated adds collapse into one, a failing key comes back after a growing delay (100 ms doubling to 30 s),
// and addAfter schedules a look later (minReadySeconds, progress deadlines, tolerationSeconds).
export type Worker = (key: string) => Promise<void>;

export class WorkQueue {
  private queue: string[] = [];
  private dirty = new Set<string>();
  private processing = new Set<string>();
  private timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private failures = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(readonly name: string, private readonly log: (msg: string) => void = () => {}) {}

  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Again after a delay that doubles with each failure of this key. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(100 * 2 ** n, 30_000));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.queue.length;
  }

  private async next(): Promise<string | null> {
    while (!this.stopped) {
      const key = this.queue.shift();
      if (key !== undefined) return key;
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return null;
  }

  /** Works on keys with `concurrency` workers until stop(); a worker that throws has its key retried later. */
  run(worker: Worker, concurrency = 1): void {
    for (let i = 0; i < concurrency; i++) {
      this.running.push(
        (async () => {
          for (;;) {
            const key = await this.next();
            if (key === null) return;
            this.processing.add(key);
            this.dirty.delete(key);
            try {
              await worker(key);
              this.forget(key);
            } catch (e) {
              if (!this.stopped) {
                this.log(`${this.name}: ${key}: ${e instanceof Error ? e.message : String(e)} (retrying)`);
                this.addRateLimited(key);
              }
            } finally {
              this.processing.delete(key);
              if (this.dirty.has(key) && !this.stopped) {
                this.queue.push(key);
                this.waiters.shift()?.();
              }
            }
          }
        })(),
      );
    }
  }

  /** Stops taking keys; resolves once the keys being worked on are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(this.running);
  }
}
