// The change feed every watch in this process reads: one LISTEN connection to Postgres (channel gantry_k8s, notified by
// every write's commit, whichever control-plane replica made it), reading new KubeEvent rows once and handing them to
// the subscribed watches in resourceVersion order. A poll every few seconds covers a lost connection. It also compacts
// the change log: rows older than the history window go, and a watch from before them is answered 410 Gone.
import pg from "pg";
import { compactEvents, currentRevision, eventsAfter, NOTIFY_CHANNEL, type StoredEvent } from "./store";

export interface ChangeFeedOptions {
  /** How long changes are kept for watches to resume from (Kubernetes' etcd keeps 5 minutes). */
  historySeconds: number;
  /** Fallback poll interval when no notification arrives. */
  pollMs?: number;
}

type Subscriber = (e: StoredEvent) => void;

class ChangeFeed {
  private subscribers = new Set<Subscriber>();
  private last: bigint | null = null;
  private client: pg.Client | null = null;
  private timers: NodeJS.Timeout[] = [];
  private fetching: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: ChangeFeedOptions) {}

  async start(): Promise<void> {
    this.last = (await currentRevision()).current;
    await this.listen();
    this.timers.push(setInterval(() => this.wake(), this.opts.pollMs ?? 2000));
    const compactEvery = Math.max(1000, Math.min(60_000, (this.opts.historySeconds * 1000) / 4));
    this.timers.push(setInterval(() => void this.compact(), compactEvery));
    for (const t of this.timers) t.unref();
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    client.on("notification", () => this.wake());
    client.on("error", () => {
      // The connection dropped: reconnect after a pause (the poll keeps watches fed meanwhile).
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      setTimeout(() => void this.listen().catch(() => {}), 1000).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      this.client = client;
      this.wake();
    } catch {
      client.end().catch(() => {});
      setTimeout(() => void this.listen().catch(() => {}), 1000).unref();
    }
  }

  /** Reads what is new now (or right after the read in flight). */
  wake(): void {
    if (this.stopped || this.last === null) return;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = this.drain()
      .catch((e) => console.error("[gantry] k8s change feed:", e instanceof Error ? e.message : e))
      .finally(() => {
        this.fetching = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await eventsAfter(this.last!, 500);
      for (const e of events) {
        this.last = e.resourceVersion;
        for (const s of this.subscribers) s(e);
      }
      if (events.length < 500) return;
    }
  }

  private async compact(): Promise<void> {
    try {
      await compactEvents(new Date(Date.now() - this.opts.historySeconds * 1000));
    } catch (e) {
      console.error("[gantry] k8s change log compaction:", e instanceof Error ? e.message : e);
    }
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.fetching;
    await this.client?.end().catch(() => {});
    this.client = null;
  }
}

const KEY = Symbol.for("gantry.k8s.change-feed");
const store = globalThis as unknown as { [KEY]?: ChangeFeed };

export async function startChangeFeed(opts: ChangeFeedOptions): Promise<void> {
  if (store[KEY]) return;
  const feed = new ChangeFeed(opts);
  store[KEY] = feed;
  await feed.start();
}

export async function stopChangeFeed(): Promise<void> {
  await store[KEY]?.stop();
  delete store[KEY];
}

export function changeFeed(): ChangeFeed {
  const feed = store[KEY];
  if (!feed) throw new Error("the Kubernetes change feed is not running (the control plane starts it)");
  return feed;
}
