// The hosts API on a real database holding a thousand hosts: server-side pagination, filters, sorting, detail,
// rename and revoke, roles, and clear answers to bad input.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, userSession, api } from "../support/session";

let cp: ControlPlane;
let owner: string;
let viewer: string;
let sql: pg.Client;
const FLEET = 1000;

before(async () => {
  // The statuses below are inserted as they are; the heartbeat sweeper must not move them while the test reads them
  // (the fleet's lastSeenAt go back up to 1,000 s), however slow the machine.
  cp = await startControlPlane({ env: { GANTRY_HEARTBEAT_STALE_MS: "43200000", GANTRY_HEARTBEAT_OFFLINE_MS: "86400000" } });
  const o = await setupOwner(cp);
  owner = await signIn(cp, o.email, o.password);
  viewer = (await userSession(cp, owner, "viewer")).cookie;
  sql = new pg.Client({ connectionString: cp.databaseUrl });
  await sql.connect();
  // A fleet inserted straight into the database: every 10th host stale, every 7th offline, the rest online.
  await sql.query(
    `INSERT INTO "Host" (name, "credentialHash", status, "lastSeenAt", facts)
     SELECT 'node-' || lpad(i::text, 4, '0'),
            md5(random()::text) || md5(i::text),
            (CASE WHEN i % 10 = 0 THEN 'stale' WHEN i % 7 = 0 THEN 'offline' ELSE 'online' END)::"HostStatus",
            now() - (i || ' seconds')::interval,
            jsonb_build_object('hostname', 'node-' || i, 'cpus', 4)
     FROM generate_series(1, $1) AS i`,
    [FLEET],
  );
});

after(async () => {
  await sql?.end();
  await cp?.destroy();
});

const expected = { stale: FLEET / 10, offline: 0, online: 0 };
for (let i = 1; i <= FLEET; i++) if (i % 10 !== 0 && i % 7 === 0) expected.offline++;
expected.online = FLEET - expected.stale - expected.offline;

test("a thousand hosts are served a page at a time, sorted, with counts per status", async () => {
  const started = performance.now();
  const first = await api(cp, viewer).get("/api/v1/hosts?pageSize=50");
  console.log(`# GET /api/v1/hosts (page 1 of ${FLEET} hosts): ${(performance.now() - started).toFixed(1)} ms`);
  assert.equal(first.status, 200);
  assert.equal(first.body.total, FLEET);
  assert.equal(first.body.items.length, 50);
  assert.equal(first.body.pageCount, FLEET / 50);
  assert.deepEqual(first.body.counts, { all: FLEET, ...expected, syncing: 0, revoked: 0 });
  const ids = first.body.items.map((h: { id: number }) => h.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "sorted by id");
  assert.equal(first.body.items[0].credentialHash, undefined);

  const seen = new Set<number>();
  for (let page = 1; page <= 5; page++) {
    const r = await api(cp, viewer).get(`/api/v1/hosts?pageSize=200&page=${page}`);
    for (const h of r.body.items) seen.add(h.id);
  }
  assert.equal(seen.size, FLEET, "five pages of 200 cover the fleet without overlap");
  const beyond = await api(cp, viewer).get(`/api/v1/hosts?pageSize=200&page=6`);
  assert.deepEqual(beyond.body.items, []);

  // A figure, not an assertion: the median time of a filtered, searched, sorted page over the thousand hosts.
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await api(cp, viewer).get(`/api/v1/hosts?status=online&q=node-0&sort=lastSeen&order=desc&page=3&pageSize=50`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`# GET /api/v1/hosts filtered page over ${FLEET} hosts: median ${times[10].toFixed(1)} ms, max ${times[19].toFixed(1)} ms (20 calls)`);
});

test("filters by status and name, sorts by name and last seen", async () => {
  const stale = await api(cp, viewer).get("/api/v1/hosts?status=stale&pageSize=200");
  assert.equal(stale.body.total, expected.stale);
  assert.ok(stale.body.items.every((h: { status: string }) => h.status === "stale"));

  const named = await api(cp, viewer).get("/api/v1/hosts?q=NODE-09&sort=name&order=desc");
  assert.equal(named.body.total, 100, "case-insensitive name search");
  assert.equal(named.body.items[0].name, "node-0999");

  const both = await api(cp, viewer).get("/api/v1/hosts?q=node-00&status=offline");
  const offlineUnder100 = Array.from({ length: 99 }, (_, k) => k + 1)
    .filter((i) => i % 10 !== 0 && i % 7 === 0)
    .map((i) => `node-${String(i).padStart(4, "0")}`);
  assert.deepEqual(both.body.items.map((h: { name: string }) => h.name), offlineUnder100);

  const recent = await api(cp, viewer).get("/api/v1/hosts?sort=lastSeen&order=desc&pageSize=3");
  assert.deepEqual(recent.body.items.map((h: { name: string }) => h.name), ["node-0001", "node-0002", "node-0003"]);
});

test("bad queries and ids get a 4xx naming the problem", async () => {
  const a = api(cp, viewer);
  for (const [path, pattern] of [
    ["/api/v1/hosts?page=0", /page/],
    ["/api/v1/hosts?pageSize=5000", /pageSize/],
    ["/api/v1/hosts?status=sleepy", /status/],
    ["/api/v1/hosts?sort=colour", /sort/],
    ["/api/v1/hosts?limit=5", /limit/],
  ] as const) {
    const r = await a.get(path);
    assert.equal(r.status, 422, path);
    assert.match(r.body.error.message, pattern);
  }
  const bad = await a.get("/api/v1/hosts/abc");
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /host id/);
  const missing = await a.get("/api/v1/hosts/999999");
  assert.equal(missing.status, 404);
  assert.match(missing.body.error.message, /host 999999 not found/);
});

test("rename and revoke: admins and owners may, viewers get 403; bad names are refused", async () => {
  const { rows } = await sql.query(`SELECT id FROM "Host" WHERE name = 'node-0500'`);
  const id = rows[0].id;
  assert.equal((await api(cp, viewer).patch(`/api/v1/hosts/${id}`, { name: "mine" })).status, 403);
  assert.equal((await api(cp, viewer).post(`/api/v1/hosts/${id}/revoke`)).status, 403);
  assert.equal((await api(cp, viewer).delete(`/api/v1/hosts/${id}`)).status, 403);
  assert.equal((await api(cp, viewer).post(`/api/v1/join-tokens`)).status, 403);
  assert.equal((await api(cp).get(`/api/v1/hosts`)).status, 401);

  const empty = await api(cp, owner).patch(`/api/v1/hosts/${id}`, { name: "  " });
  assert.equal(empty.status, 422);
  assert.match(empty.body.error.message, /cannot be empty/);
  assert.equal((await api(cp, owner).patch(`/api/v1/hosts/${id}`, { name: "x", extra: 1 })).status, 422);
  assert.equal((await api(cp, owner).patch(`/api/v1/hosts/${id}`, "{oops")).status, 400);

  const renamed = await api(cp, owner).patch(`/api/v1/hosts/${id}`, { name: "build box 1" });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, "build box 1");
  assert.equal((await api(cp, viewer).get(`/api/v1/hosts/${id}`)).body.name, "build box 1");

  const revoked = await api(cp, owner).delete(`/api/v1/hosts/${id}`);
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.revoked, true);
  const again = await api(cp, owner).post(`/api/v1/hosts/${id}/revoke`);
  assert.equal(again.status, 200, "revoking twice is harmless");
  assert.equal(again.body.revokedAt, revoked.body.revokedAt);
  const list = await api(cp, viewer).get(`/api/v1/hosts?status=revoked`);
  assert.deepEqual(list.body.items.map((h: { id: number }) => h.id), [id]);
});

test("join tokens: minted once by owners and admins, with the command to run", async () => {
  const admin = (await userSession(cp, owner, "admin")).cookie;
  const r = await api(cp, admin).post("/api/v1/join-tokens", { ttlMinutes: 30 });
  assert.equal(r.status, 201);
  assert.match(r.body.token, /^gjt_[A-Za-z0-9_-]{43}$/);
  assert.equal(r.body.command, `gantry-agent --server ${cp.url} --token ${r.body.token}`);
  const ttl = new Date(r.body.expiresAt).getTime() - Date.now();
  assert.ok(ttl > 29 * 60_000 && ttl <= 30 * 60_000);
  const { rows } = await sql.query(`SELECT "tokenHash" FROM "JoinToken" WHERE "tokenHash" LIKE '%' || $1 || '%' OR "tokenHash" = $1`, [r.body.token]);
  assert.equal(rows.length, 0, "the token itself is not stored");
  assert.equal((await api(cp, admin).post("/api/v1/join-tokens", { ttlMinutes: 0 })).status, 422);
  assert.equal((await api(cp, (await userSession(cp, owner, "operator")).cookie).post("/api/v1/join-tokens")).status, 403);
});
