// 300 hosts speaking the real agent protocol (agent/join.ts and agent/link.ts, hollow: no engine behind them — the
// real agent's code where test/support/fake-agent.ts is a hand-written stand-in) join
// through the real join flow and sync their inventories; the control plane is killed, every host's inventory changes
// while it is down, and the control plane starts again on the same data and port. All 300 reconnect at once: every
// inventory is accepted, no host ever reads "online" while its listed containers are the ones from before the
// restart, and nothing answers a 5xx on the way.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn } from "../support/session";
import { mintJoinToken, waitFor } from "../support/agent";
import { HollowFleet } from "../support/hollow-fleet";

const HOSTS = 300;
const PER_HOST = 18;

let cp: ControlPlane;
let restarted: ControlPlane | undefined;
let fleet: HollowFleet | undefined;

// After the restart, queues far shorter than the defaults, so 300 hosts overflow them: connections refused with a
// "retry after", inventory pages refused as "busy" — and every one of them still gets in. (The joins before it use the
// defaults: the join gate's 429 is test/fleet/admission.test.ts's, and the agent's waiting it out test/unit's.)
const LIMITS = { GANTRY_CONNECT_QUEUE: "30", GANTRY_INVENTORY_QUEUE: "2" };

before(async () => {
  cp = await startControlPlane();
});

after(async () => {
  fleet?.stop();
  await restarted?.destroy();
  await cp?.destroy();
});

async function query<T = Record<string, unknown>>(url: string, sql: string, args: unknown[] = []): Promise<T[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(sql, args)).rows as T[];
  } finally {
    await db.end();
  }
}

/** Hosts of this fleet whose inventory, as stored, is exactly what their agent holds now. */
async function currentHosts(url: string, f: HollowFleet, since: Date): Promise<Set<number>> {
  const rows = await query<{ id: number; ids: string[] }>(
    url,
    `SELECT h.id, array_agg(c."containerId") AS ids FROM "Host" h JOIN "Container" c ON c."hostId" = h.id
      WHERE h.id = ANY($1) AND h."syncStartedAt" IS NULL AND h."syncedAt" >= ($2::timestamptz AT TIME ZONE 'UTC') GROUP BY h.id`,
    [f.hosts.map((h) => h.hostId), since.toISOString()],
  );
  const byId = new Map(f.hosts.map((h) => [h.hostId, h]));
  const ok = new Set<number>();
  for (const r of rows) {
    const want = byId.get(r.id)!.containerIds().sort();
    if (JSON.stringify([...r.ids].sort()) === JSON.stringify(want)) ok.add(r.id);
  }
  return ok;
}

test("300 hosts reconnecting at once after a control-plane restart: every inventory accepted, none online with stale data, no 5xx", async (t) => {
  const owner = await setupOwner(cp);
  const cookie = await signIn(cp, owner.email, owner.password);
  const startedAt = new Date(Date.now() - 1000);
  fleet = new HollowFleet({ serverUrl: cp.url, mintToken: async () => (await mintJoinToken(cp.url, cookie)).token, containersPerHost: PER_HOST }, HOSTS);
  const f = fleet;

  // The join storm: every host joins and connects; all inventories arrive.
  const t0 = Date.now();
  const joins = (await f.join()).sort((a, b) => a - b);
  t.diagnostic(`join storm: ${HOSTS} hosts joined in ${((Date.now() - t0) / 1000).toFixed(1)} s (join p50 ${joins[HOSTS >> 1]!.toFixed(0)} ms, max ${joins[HOSTS - 1]!.toFixed(0)} ms)`);
  f.connect();
  await waitFor("every host's first inventory", async () => (await currentHosts(cp.databaseUrl, f, startedAt)).size === HOSTS, 60_000, 250);
  t.diagnostic(`join storm: ${HOSTS} hosts joined and synced in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // An API token (it outlives the restart) reads the API at once when the control plane answers: a sign-in (argon2)
  // on a loaded machine took so long that every host was back before the first read.
  const token = (await api(cp, cookie).post("/api/v1/tokens", { name: "reconnect-storm" })).body.token as string;
  // The control plane dies; while it is down every host's inventory changes (one container gone, one new).
  const before = { ...f.counters };
  await cp.kill();
  for (const h of f.hosts) h.churn();
  const restartAt = new Date();
  restarted = await startControlPlane({ dataDir: cp.dataDir, port: cp.port, env: LIMITS });
  const r = restarted;
  const answeredAt = Date.now();
  t.diagnostic(`the control plane answered again ${((Date.now() - restartAt.getTime()) / 1000).toFixed(1)} s after it was killed`);
  const bearer = { authorization: `Bearer ${token}` };
  const c = { get: (path: string) => api(r).get(path, bearer) };

  // While the fleet comes back: no 5xx, and a host the API calls "online" holds what its agent holds now.
  const serverErrors: string[] = [];
  const staleOnline = new Set<number>();
  const byId = new Map(f.hosts.map((h) => [h.hostId, h]));
  let polls = 0;
  /** Polls made while some hosts were still coming back (the check means something only then). */
  let pollsMidway = 0;
  const watch = async () => {
    // The hosts the API calls "online" (a page of 200 at most while they come back: the filter keeps it short).
    const online: number[] = [];
    for (let page = 1; ; page++) {
      const res = await c.get(`/api/v1/hosts?status=online&pageSize=200&page=${page}`);
      if (res.status >= 500) serverErrors.push(`GET /api/v1/hosts: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      if (res.status !== 200) return;
      for (const h of res.body.items as Array<{ id: number; status: string }>) if (byId.has(h.id) && h.status === "online") online.push(h.id);
      if (page * 200 >= res.body.total) break;
    }
    // Read after the statuses: an inventory only gets newer, so one still old now was old when the API said "online".
    const current = await currentHosts(r.databaseUrl, f, restartAt);
    for (const id of online) if (!current.has(id)) staleOnline.add(id);
    polls++;
    if (current.size < HOSTS) pollsMidway++;
    return current;
  };
  const synced = await waitFor(
    "every host's inventory after the restart",
    async () => {
      const current = await watch();
      return current?.size === HOSTS ? current : undefined;
    },
    90_000,
    100,
  );
  // The stored times are UTC wall times (timestamp without time zone).
  const times = (await query<{ at: string }>(r.databaseUrl, `SELECT extract(epoch FROM "syncedAt") * 1000 AS at FROM "Host" ORDER BY 1`)).map((x) => (Number(x.at) - answeredAt) / 1000);
  t.diagnostic(`inventories accepted after the control plane answered: first ${times[0]!.toFixed(1)} s, median ${times[times.length >> 1]!.toFixed(1)} s, last ${times[times.length - 1]!.toFixed(1)} s`);
  const took = times[times.length - 1]! + (answeredAt - restartAt.getTime()) / 1000;
  t.diagnostic(`reconnect storm: ${synced.size}/${HOSTS} inventories accepted ${took.toFixed(1)} s after the restart began (${polls} polls, ${pollsMidway} while hosts were still coming back); links: ${JSON.stringify(f.counters)}`);

  assert.deepEqual(serverErrors, []);
  assert.ok(pollsMidway > 0, "the API was read while the fleet came back");
  assert.deepEqual([...staleOnline], [], `hosts read "online" with the containers from before the restart: ${[...staleOnline].slice(0, 10).join(", ")}`);
  assert.equal(f.counters.refused, 0, f.notes.join("\n"));
  // The short queues overflowed while the fleet came back (which of them, and how often, is the machine's timing: the
  // connection gate spreads over the reconnect window; each gate has its own test in test/fleet/admission.test.ts), so
  // hosts were told to come back — and every one of them did; no page was lost or refused for good.
  const toldToComeBack = f.counters.connectsBusy - before.connectsBusy + (f.counters.pagesBusy - before.pagesBusy);
  assert.ok(toldToComeBack > 0, JSON.stringify({ before, after: f.counters }));
  assert.equal(f.counters.pagesRejected + f.counters.pagesUnacknowledged, 0, f.notes.join("\n"));
  assert.deepEqual(f.notes.filter((n) => /answered 5\d\d/.test(n)), [], "no join answered a 5xx");

  // The API agrees: every host online, and the fleet's container list is exactly what the agents hold.
  const hosts = await c.get(`/api/v1/hosts?pageSize=200`);
  assert.equal(hosts.status, 200);
  assert.equal(hosts.body.counts.online, HOSTS, JSON.stringify(hosts.body.counts));
  assert.equal(hosts.body.counts.syncing, 0);
  const listed = await c.get(`/api/v1/containers?pageSize=1`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body.total, HOSTS * PER_HOST);
  const sample = f.hosts[HOSTS - 1]!;
  const one = await c.get(`/api/v1/containers?host=${sample.hostId}&pageSize=100`);
  assert.deepEqual(one.body.items.map((x: { id: string }) => x.id).sort(), sample.containerIds().sort());
});
