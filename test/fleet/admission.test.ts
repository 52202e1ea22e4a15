// The control plane's three gates, each driven past its limit on a real control plane (embedded Postgres) with agents
// speaking the protocol (test/support/fake-agent.ts). The database is held up on purpose — a transaction of the test
// locks the rows the writes need — so what is "in progress" stays in progress while the next one arrives:
// - joins: past GANTRY_JOIN_QUEUE a join is a 429 with Retry-After (and the milliseconds in the body), nothing made;
//   the same token and credential join once the database moves again;
// - connections: past GANTRY_CONNECT_QUEUE connections between handshake and hello, the next is refused "unavailable"
//   with when to come back; a hello frees the place;
// - inventory pages: past GANTRY_INVENTORY_QUEUE (behind the two batches being written) a page is answered
//   "retry after N ms", nothing of it recorded and the host still "syncing"; sent again, it is taken.
// And a fleet joining does not make the control plane resend every connected host its pods for each new host's Node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { AGENT_NAMESPACE, JOIN_PATH, PROTOCOL_VERSION, SOCKET_PATH } from "@/lib/protocol";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn } from "../support/session";
import { mintJoinToken, waitFor } from "../support/agent";
import { FAKE_FACTS, fakeContainer, startFakeAgent, type FakeAgent } from "../support/fake-agent";

let cp: ControlPlane;
let cookie: string;
let sql: pg.Client;
const sockets: Socket[] = [];
const fakes: FakeAgent[] = [];

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_JOIN_QUEUE: "0", GANTRY_CONNECT_QUEUE: "2", GANTRY_INVENTORY_QUEUE: "1" } });
  const owner = await setupOwner(cp);
  cookie = await signIn(cp, owner.email, owner.password);
  sql = new pg.Client({ connectionString: cp.databaseUrl });
  await sql.connect();
});

after(async () => {
  for (const s of sockets) s.disconnect();
  for (const a of fakes) a.close();
  await sql?.end();
  await cp?.destroy();
});

/** Runs `hold` while a transaction of the test holds `lock` (row locks the control plane's writes wait for). */
async function holding<T>(lock: string, args: unknown[], hold: () => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: cp.databaseUrl });
  await c.connect();
  try {
    await c.query("BEGIN");
    await c.query(lock, args);
    try {
      return await hold();
    } finally {
      await c.query("ROLLBACK");
    }
  } finally {
    await c.end();
  }
}

/** Backends of the control plane waiting for a row lock. */
async function waitingForLocks(): Promise<number> {
  const { rows } = await sql.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
  return rows[0].n;
}

const join = (body: unknown) =>
  fetch(cp.url + JOIN_PATH, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    retryAfter: r.headers.get("retry-after"),
    body: await r.json(),
  }));

test("joins past the join gate are a 429 with Retry-After and make nothing; the same token and credential join afterwards", async () => {
  const tokens = await Promise.all(Array.from({ length: 5 }, () => mintJoinToken(cp.url, cookie).then((t) => t.token)));
  const credentials = tokens.map(() => "gch_" + randomBytes(32).toString("base64url"));
  const facts = (i: number) => ({ ...FAKE_FACTS, hostname: `gate-join-${i}` });
  const hostsBefore = (await sql.query(`SELECT count(*)::int AS n FROM "Host"`)).rows[0].n;

  // The four joins the gate runs at once wait for their tokens' rows; with no queue (GANTRY_JOIN_QUEUE=0) the fifth is
  // told to come back.
  const [first4, fifth] = await holding(`SELECT id FROM "JoinToken" WHERE "usedAt" IS NULL FOR UPDATE`, [], async () => {
    const running = tokens.slice(0, 4).map((token, i) => join({ token, facts: facts(i), credential: credentials[i] }));
    await waitFor("four joins waiting for the database", async () => (await waitingForLocks()) >= 4, 10_000);
    const refused = await join({ token: tokens[4], facts: facts(4), credential: credentials[4] });
    return [running, refused] as const;
  });
  assert.equal(fifth.status, 429, JSON.stringify(fifth.body));
  assert.equal(fifth.body.error.code, "too_many_requests");
  assert.match(fifth.body.error.message, /too many joins at once: retry in \d+ s/);
  assert.ok(fifth.body.error.retryAfterMs >= 1_000 && fifth.body.error.retryAfterMs <= 30_000, String(fifth.body.error.retryAfterMs));
  assert.equal(fifth.retryAfter, String(Math.ceil(fifth.body.error.retryAfterMs / 1000)));
  // The four in the gate join once the lock is gone; the refused one made nothing and its token is unused.
  const joined = await Promise.all(first4);
  assert.deepEqual(joined.map((j) => j.status), [201, 201, 201, 201], JSON.stringify(joined.map((j) => j.body)));
  assert.equal((await sql.query(`SELECT count(*)::int AS n FROM "Host"`)).rows[0].n, hostsBefore + 4);
  const again = await join({ token: tokens[4], facts: facts(4), credential: credentials[4] });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.body.credential, credentials[4]);
});

/** A joined host's credential, from a fresh join token. */
async function joinedCredential(name: string): Promise<string> {
  const { token } = await mintJoinToken(cp.url, cookie);
  const credential = "gch_" + randomBytes(32).toString("base64url");
  const r = await join({ token, facts: { ...FAKE_FACTS, hostname: name }, credential });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return credential;
}

type ConnectResult = { connected: true } | { refused: { code: string; reason: string; retryAfterMs?: number } };

/** An agent's connection with the credential, and how its handshake ended (listened for from the start). */
function agentSocket(credential: string): Socket & { result: Promise<ConnectResult> } {
  const s = connect(cp.url + AGENT_NAMESPACE, { path: SOCKET_PATH, auth: { protocolVersion: PROTOCOL_VERSION, credential }, transports: ["websocket"], reconnection: false });
  sockets.push(s);
  const result = new Promise<ConnectResult>((resolve) => {
    s.once("connect", () => resolve({ connected: true }));
    s.once("connect_error", (e: Error & { data?: { code: string; reason: string; retryAfterMs?: number } }) => resolve({ refused: e.data ?? { code: "?", reason: e.message } }));
  });
  return Object.assign(s, { result });
}

test("connections past the hello gate are refused 'unavailable' with when to come back; a hello frees a place", async () => {
  const creds = await Promise.all([1, 2, 3].map((i) => joinedCredential(`gate-hello-${i}`)));
  // Two connections that have not said hello fill the gate (GANTRY_CONNECT_QUEUE=2).
  const a = agentSocket(creds[0]!);
  const b = agentSocket(creds[1]!);
  assert.deepEqual(await a.result, { connected: true });
  assert.deepEqual(await b.result, { connected: true });
  const c = agentSocket(creds[2]!);
  const refused = await c.result;
  assert.ok("refused" in refused, JSON.stringify(refused));
  assert.equal(refused.refused.code, "unavailable");
  assert.match(refused.refused.reason, /taking in 2 other connections: retry in \d+ s/);
  assert.ok(refused.refused.retryAfterMs! >= 1_000 && refused.refused.retryAfterMs! <= 30_000, String(refused.refused.retryAfterMs));
  // One says hello: its place is free, and the third gets in. The reply says over how long to spread a reconnection.
  assert.deepEqual(await a.timeout(10_000).emitWithAck("hello", { facts: FAKE_FACTS }), { ok: true, reconnectWindowMs: 1_000 });
  const c2 = agentSocket(creds[2]!);
  assert.deepEqual(await c2.result, { connected: true });
  // A connection that goes away without a hello frees its place too.
  b.disconnect();
  const d = await waitFor(
    "a place freed by a disconnection",
    async () => {
      const s = agentSocket(creds[1]!);
      if ("connected" in (await s.result)) return s;
      s.disconnect();
      return undefined;
    },
    10_000,
    200,
  );
  for (const s of [a, c2, d]) s.disconnect();
});

test("inventory pages past the queue are answered 'retry after' and nothing of them is recorded; sent again, they are taken", async () => {
  const agents: FakeAgent[] = [];
  for (let i = 0; i < 4; i++) {
    const a = await startFakeAgent(cp.url, cookie);
    fakes.push(a);
    agents.push(a);
  }
  const ids = agents.map((a) => a.hostId);
  const page = (a: FakeAgent) => ({ syncId: `s-${a.hostId}`, index: 0, last: true, containers: [fakeContainer({ id: `q-${a.hostId}-1` }), fakeContainer({ id: `q-${a.hostId}-2` })], images: [] });
  const c = api(cp, cookie);

  const outcome = await holding(`SELECT id FROM "Host" WHERE id = ANY($1) FOR UPDATE`, [ids], async () => {
    // Two pages are being written (two writers, each batch waiting for its host's row), ...
    const written: Array<Promise<unknown>> = [];
    for (const [i, a] of agents.slice(0, 2).entries()) {
      written.push(a.send("inventory.page", page(a)));
      await waitFor(`writer ${i + 1} waiting for the database`, async () => (await waitingForLocks()) >= i + 1, 10_000);
    }
    // ... the queue holds one more (GANTRY_INVENTORY_QUEUE=1), and the fourth is told to come back.
    const late = agents.slice(2).map((a) => a.send("inventory.page", page(a)));
    const first = await Promise.race(late.map((p, i) => p.then((ack) => ({ i, ack }))));
    return { written, late, first };
  });
  const refusedIndex = 2 + outcome.first.i;
  const refused = outcome.first.ack as { ok: boolean; error?: string; retryAfterMs?: number };
  assert.equal(refused.ok, false, JSON.stringify(refused));
  assert.match(refused.error!, /writing 1 inventory pages of other hosts: send this one again in \d+ s/);
  assert.ok(refused.retryAfterMs! >= 1_000 && refused.retryAfterMs! <= 30_000, String(refused.retryAfterMs));
  // The others are recorded once the database moves again.
  const acks = await Promise.all([...outcome.written, outcome.late[1 - outcome.first.i]!]);
  assert.deepEqual(acks, [{ ok: true }, { ok: true }, { ok: true }]);
  // Nothing of the refused page was recorded: the host has no containers and reads "syncing" (its inventory is not in).
  const refusedHost = agents[refusedIndex]!;
  let h = (await c.get(`/api/v1/hosts/${refusedHost.hostId}`)).body;
  assert.equal(h.status, "syncing");
  assert.equal((await c.get(`/api/v1/containers?host=${refusedHost.hostId}`)).body.total, 0);
  // Sent again, as the agent would after the time it was told: taken, and the host is online with its containers.
  assert.deepEqual(await refusedHost.send("inventory.page", page(refusedHost)), { ok: true });
  h = (await c.get(`/api/v1/hosts/${refusedHost.hostId}`)).body;
  assert.equal(h.status, "online");
  for (const a of agents) {
    const listed = (await c.get(`/api/v1/containers?host=${a.hostId}`)).body;
    assert.deepEqual(listed.items.map((x: { id: string }) => x.id).sort(), [`q-${a.hostId}-1`, `q-${a.hostId}-2`]);
  }
});

/** Names of the Nodes the control plane keeps (its node sync makes one per host). */
async function nodeNames(): Promise<Set<string>> {
  const { rows } = await sql.query(`SELECT name FROM "KubeObject" WHERE resource = 'nodes'`);
  return new Set(rows.map((r) => r.name as string));
}

test("hosts joining do not have the connected hosts sent their pods again, one round per new host's Node", async () => {
  const first = await startFakeAgent(cp.url, cookie);
  fakes.push(first);
  let syncs = 0;
  first.socket.on("pods.sync", (_msg: unknown, ack?: (r: unknown) => void) => {
    syncs++;
    ack?.({ ok: true });
  });
  const name = `first-${randomBytes(3).toString("hex")}`;
  assert.equal((await api(cp, cookie).patch(`/api/v1/hosts/${first.hostId}`, { name })).status, 200);
  await waitFor("the first host's Node", async () => (await nodeNames()).has(name), 20_000, 200);
  await new Promise((r) => setTimeout(r, 1_500)); // what its hello and its rename bring has arrived
  syncs = 0;
  const names = [1, 2, 3].map((i) => `joiner-${i}-${randomBytes(3).toString("hex")}`);
  for (const hostname of names) {
    const { token } = await mintJoinToken(cp.url, cookie);
    const r = await join({ token, facts: { ...FAKE_FACTS, hostname }, credential: "gch_" + randomBytes(32).toString("base64url") });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await waitFor("the joiners' Nodes", async () => {
    const nodes = await nodeNames();
    return names.every((n) => nodes.has(n));
  }, 20_000, 200);
  await new Promise((r) => setTimeout(r, 1_000)); // a resend would come 50 ms after each Node
  // Its Node and name did not change: nothing for it to run anew. (Each Node added resent every connected host its pods,
  // with two queries per host: quadratic in a joining fleet.)
  assert.equal(syncs, 0);
});
