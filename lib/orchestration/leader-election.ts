// Leader election among control-plane replicas sharing one database: the scheduler and the controllers run in exactly
// one of them, the one holding a Postgres session advisory lock on a connection of its own. The others try again every
// few seconds. The lock lives as long as that connection: the leader checks it every few seconds and, when the
// connection fails or the check does not answer, stops its controllers at once and campaigns again. When the leader
// process dies its connection closes and Postgres releases the lock; another replica takes it on its next try and
// starts the controllers from a fresh list + watch, so nothing is lost but the seconds in between (the work is
// level-based: it is recomputed from the objects, not from the events missed).
//
// A leader cut off from the database cannot write either (every write goes to the same database), so two leaders never
// act at once on the objects, even in the seconds before the old one notices.
import pg from "pg";

/** The advisory lock's key: "gantryct" as a 64-bit number. */
export const CONTROLLERS_LOCK_KEY = 0x67616e7472796374n;

export interface LeaderElectionOptions {
  connectionString: string;
  lockKey?: bigint;
  /** How often a follower tries the lock, and the leader checks its connection. */
  retryMs?: number;
  /** Starts leading; returns how to stop. */
  lead(): Promise<() => Promise<void>>;
  log?(msg: string): void;
}

export interface Election {
  isLeader(): boolean;
  stop(): Promise<void>;
}

export function startLeaderElection(opts: LeaderElectionOptions): Election {
  const key = opts.lockKey ?? CONTROLLERS_LOCK_KEY;
  const retryMs = opts.retryMs ?? 2000;
  const log = opts.log ?? (() => {});
  let stopped = false;
  let client: pg.Client | null = null;
  let stopLeading: (() => Promise<void>) | null = null;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      t.unref();
      wake = () => {
        clearTimeout(t);
        r();
      };
    });

  const abdicate = async (why: string) => {
    const stop = stopLeading;
    stopLeading = null;
    if (stop) {
      log(`controllers stopping: ${why}`);
      await stop().catch((e) => log(`stopping the controllers failed: ${e instanceof Error ? e.message : e}`));
    }
  };

  const dropConnection = async () => {
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };

  const loop = async () => {
    while (!stopped) {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString: opts.connectionString, keepAlive: true, connectionTimeoutMillis: 5000, application_name: "gantry-leader-election" });
          c.on("error", () => {}); // reported through the failing query below
          await c.connect();
          client = c;
        }
        if (!stopLeading) {
          const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key.toString()]);
          if (rows[0]?.locked) {
            if (stopped) break;
            log("this replica leads: starting the scheduler and controllers");
            stopLeading = await opts.lead();
          }
        } else {
          // Still holding it? A query that does not answer in time counts as a lost connection.
          await Promise.race([
            client.query("SELECT 1"),
            new Promise((_, reject) => setTimeout(() => reject(new Error("the lock connection did not answer")), Math.max(1000, retryMs * 2)).unref()),
          ]);
        }
      } catch (e) {
        await abdicate(`the leader-election connection failed (${e instanceof Error ? e.message : e})`);
        await dropConnection();
      }
      if (!stopped) await sleep(retryMs);
    }
  };
  const running = loop();

  return {
    isLeader: () => stopLeading !== null,
    async stop() {
      stopped = true;
      wake?.();
      await running;
      await abdicate("the control plane is stopping");
      if (client) await client.query("SELECT pg_advisory_unlock_all()").catch(() => {});
      await dropConnection();
    },
  };
}
