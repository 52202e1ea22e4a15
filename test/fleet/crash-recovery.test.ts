// A control plane killed (-9) in the middle of ten keyed container runs, restarted on the same data, and the same keys
// sent again: every run happened exactly once, each has an activity record with its outcome, and no idempotency claim
// is left "running". The claims the dead process left are settled by asking the host (a run carries its request id as
// a label), not by waiting out their 24 hours.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, type ApiResult } from "../support/session";
import { waitFor } from "../support/agent";

let f: FleetHost;
let restarted: ControlPlane | undefined;

before(async () => {
  f = await startFleetHost("gcr");
});

after(async () => {
  await restarted?.stop();
  await f?.destroy();
});

async function query<T = Record<string, unknown>>(sql: string, args: unknown[] = []): Promise<T[]> {
  const db = new pg.Client({ connectionString: f.cp.databaseUrl });
  await db.connect();
  try {
    return (await db.query(sql, args)).rows as T[];
  } finally {
    await db.end();
  }
}

test("kill -9 during ten keyed runs, restart, retry: each ran once, each is recorded with its outcome, no claim stays running", async () => {
  const batch = randomBytes(4).toString("hex");
  const keys = Array.from({ length: 10 }, (_, i) => `crash-${batch}-${i + 1}`);
  const path = `/api/v1/hosts/${f.hostId}/containers`;
  const body = (i: number) => ({ image: f.image, cmd: ["sleep", "300"], network: "none", labels: { crash: batch, run: String(i + 1) } });
  const send = (cp: ControlPlane, i: number) => api(cp, f.ownerCookie).post(path, body(i), { "idempotency-key": keys[i]! });

  // Four complete before the crash.
  for (let i = 0; i < 4; i++) assert.equal((await send(f.cp, i)).status, 201);
  // Six at once; the control plane dies as soon as one of them is on its way to the host.
  const inFlight = keys.slice(4).map((_, j) => send(f.cp, 4 + j).catch((e: Error) => e));
  const sawRunning = await waitFor(
    "a claim of the six in flight",
    async () => (await query(`SELECT 1 FROM "CommandResult" WHERE status = 'running' AND "idempotencyKey" = ANY($1)`, [keys.slice(4)])).length > 0,
    20_000,
    2,
  );
  assert.ok(sawRunning);
  await f.cp.kill();
  await Promise.all(inFlight);
  const stuck = await query<{ idempotencyKey: string }>(`SELECT "idempotencyKey" FROM "CommandResult" WHERE status = 'running' AND "idempotencyKey" = ANY($1)`, [keys]);
  assert.ok(stuck.length > 0, "the dead control plane left claims running");

  restarted = await startControlPlane({ dataDir: f.cp.dataDir, port: f.cp.port });
  const answers: ApiResult[] = [];
  for (let i = 0; i < keys.length; i++) {
    // Until the agent is back and a settled claim can be told apart, the answer is a 409 that says to ask again.
    answers[i] = await waitFor(
      `the retry of ${keys[i]}`,
      async () => {
        const r = await send(restarted!, i);
        if (r.status === 409 || r.status === 503) return undefined;
        return r;
      },
      120_000,
      500,
    );
    assert.equal(answers[i]!.status, 201, `${keys[i]}: ${JSON.stringify(answers[i]!.body).slice(0, 300)}`);
  }

  // Every run happened exactly once: one container per key, and each key's answer is that container.
  const listed = await api(restarted, f.ownerCookie).get(`${path}?all=true`);
  const ours = (listed.body as Array<{ id: string; labels: Record<string, string> }>).filter((c) => c.labels.crash === batch);
  assert.deepEqual(ours.map((c) => Number(c.labels.run)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (let i = 0; i < keys.length; i++) {
    assert.equal(answers[i]!.body.id, ours.find((c) => c.labels.run === String(i + 1))!.id, `${keys[i]} answers with its own run`);
  }

  // No claim is left running; each is done.
  const claims = await query<{ idempotencyKey: string; status: string; activityId: number | null }>(
    `SELECT "idempotencyKey", status::text, "activityId" FROM "CommandResult" WHERE "idempotencyKey" = ANY($1)`,
    [keys],
  );
  assert.deepEqual(claims.map((c) => c.status).sort(), Array(10).fill("done"));

  // The activity record: each key has a completed "ok" record, and the record of every request that claimed a key
  // carries its verdict — nothing a claim points at is left pending.
  const rows = await query<{ id: number; outcome: string; key: string }>(
    `SELECT id, outcome, details->>'idempotencyKey' AS key FROM "ActivityRecord" WHERE details->>'idempotencyKey' = ANY($1)`,
    [keys],
  );
  for (const k of keys) assert.ok(rows.some((r) => r.key === k && r.outcome === "ok"), `${k} has an ok record: ${JSON.stringify(rows.filter((r) => r.key === k))}`);
  for (const c of claims) {
    const rec = rows.find((r) => r.id === c.activityId);
    assert.ok(rec, `${c.idempotencyKey}'s claim names its activity record`);
    assert.notEqual(rec.outcome, "pending");
  }
  // The crash left a trace: each request the dead process had claimed a key for was recorded before it ran (its row,
  // besides the retry's, now carries the verdict the host gave).
  // (Retries answered 409 "being confirmed, ask again" are recorded too, as conflicts.)
  for (const { idempotencyKey: k } of stuck) {
    const own = rows.filter((r) => r.key === k).sort((a, b) => a.id - b.id);
    assert.ok(own.length >= 2, `${k}: the interrupted request's record and the retry's: ${JSON.stringify(own)}`);
    assert.match(own[0]!.outcome, /^(ok|not_run)$/, `${k}: the interrupted request's verdict: ${JSON.stringify(own)}`);
  }
});
