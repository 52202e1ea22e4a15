// The audit trail (issue 17 item 5) against a real control plane, its embedded Postgres and a real agent: a mutation,
// a failed sign-in and a Secret's reveal each leave a sealed row; a terminal session's record holds what was typed
// (capped, and says so); the export gives the rows the filters select; writers in two processes sharing the database
// never fork the chain; retention prunes from a checkpoint; and `GET /api/v1/audit/verify` (what `gantry audit verify` calls) passes, then names
// the row an UPDATE made directly in Postgres altered and the gap a DELETE left.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { api, trySignIn, uniqueEmail } from "../support/session";
import { waitFor } from "../support/agent";
import { gantry } from "../cli/support";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let f: FleetHost;
let sql: pg.Client;

before(async () => {
  f = await startFleetHost("aud");
  // For the tests that write through lib/ from this process, as another control plane would.
  process.env.DATABASE_URL = f.cp.databaseUrl;
  sql = new pg.Client({ connectionString: f.cp.databaseUrl });
  await sql.connect();
});

after(async () => {
  await (await import("@/lib/db")).db.$disconnect();
  await sql?.end();
  await f?.destroy();
});

type Row = { id: number; seq: number | null; hash: string | null; action: string; target: string | null; outcome: string; userEmail: string | null; details: Record<string, unknown> | null; text: string };

const owner = () => api(f.cp, f.ownerCookie);
const rows = async (query: string): Promise<Row[]> => {
  const r = await owner().get(`/api/v1/activity?pageSize=200&${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
};
const verify = async () => {
  const r = await owner().get("/api/v1/audit/verify");
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { ok: boolean; checked: number; from: number; problems: Array<{ id: number | null; seq: number | null; problem: string; message: string; fields?: string[] }> };
};

test("a mutation is sealed into the chain: its intent and its outcome row, and the page reads the outcome", async () => {
  const made = await owner().post("/api/v1/tokens", { name: "audit-mutation" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const [row] = await rows("action=tokens.manage&target=tokens");
  assert.ok(row, "the token's creation is listed");
  assert.equal(row.outcome, "ok");
  assert.equal(typeof row.seq, "number");
  assert.match(row.hash ?? "", /^[0-9a-f]{64}$/);
  // The outcome is its own sealed row, after the intent; the intent was sealed pending.
  const { rows: chain } = await sql.query(`SELECT id, seq, outcome, completes FROM "ActivityRecord" WHERE id = $1 OR completes = $1 ORDER BY seq`, [row.id]);
  assert.deepEqual(chain.map((r) => [r.completes === null ? "intent" : "outcome", r.outcome]), [["intent", "ok"], ["outcome", "ok"]]);
  assert.ok(chain[1].seq > chain[0].seq);
  // The database refuses to change or delete a sealed row.
  await assert.rejects(sql.query(`UPDATE "ActivityRecord" SET target = 'elsewhere' WHERE id = $1`, [row.id]), /append-only/);
  await assert.rejects(sql.query(`DELETE FROM "ActivityRecord" WHERE id = $1`, [row.id]), /append-only/);
});

test("every sign-in and every failed one is recorded, and why it failed, for admins only", async () => {
  const wrong = await trySignIn(f.cp, f.owner.email, "not-the-password-at-all");
  assert.equal(wrong.ok, false);
  const stranger = uniqueEmail("nobody");
  assert.equal((await trySignIn(f.cp, stranger, "whatever-it-is-123")).ok, false);
  assert.equal((await trySignIn(f.cp, f.owner.email, f.owner.password)).ok, true);

  const signIns = await rows("action=auth.sign-in");
  const failed = signIns.find((r) => r.outcome === "wrong_password");
  assert.ok(failed, JSON.stringify(signIns));
  assert.equal(failed.userEmail, f.owner.email);
  assert.match(failed.text, new RegExp(`${f.owner.email} tried to sign in to Gantry \\(password\\) — failed \\(wrong_password\\)`));
  const unknown = signIns.find((r) => r.outcome === "unknown_account");
  assert.ok(unknown, "an unknown account's attempt is recorded");
  assert.equal(unknown.userEmail, null, "an email no account has is not kept");
  assert.ok(!JSON.stringify(signIns).includes(stranger));
  assert.ok(signIns.some((r) => r.outcome === "ok" && r.userEmail === f.owner.email && r.text.includes("signed in to Gantry")));
  assert.ok(signIns.every((r) => typeof r.seq === "number"), "sealed");
});

test("a Secret's reveal is a sealed row naming the key, without the value", async () => {
  const created = await owner().post("/k8s/api/v1/namespaces/default/secrets", {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "audited" },
    stringData: { password: "very-secret-value" },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const revealed = await owner().post("/api/v1/namespaces/default/secrets/audited/reveal", { key: "password" });
  assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
  const [row] = await rows("action=k8s.secrets.read&target=namespaces/default/secrets/audited/reveal");
  assert.ok(row);
  assert.equal(row.outcome, "ok");
  assert.equal(typeof row.seq, "number");
  assert.match(row.text, /revealed secret default\/audited key password/);
  assert.ok(!JSON.stringify(row).includes("very-secret-value"));
});

test("a terminal session's record holds its start, end, user, target and the input typed, cut at 64 KiB and saying so", async () => {
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  assert.equal((await owner().post(base, { image: f.image, name: "audit-term", cmd: ["sleep", "300"], network: "none" })).status, 201);
  const { io: connect } = await import("socket.io-client");
  const s = connect(`${f.cp.url}/browser`, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: f.ownerCookie } });
  await new Promise<void>((resolve, reject) => (s.once("connect", () => resolve()), s.once("connect_error", reject)));
  try {
    const session = async (cmd: string[], tty: boolean, inputs: string[]) => {
      let out = "";
      const ended = new Promise<{ exitCode?: number }>((resolve) => {
        s.on("exec:data", (m: { data: string }, ack: () => void) => ((out += m.data), ack()));
        s.once("exec:end", (m: { exitCode?: number }) => resolve(m));
      });
      const started = (await s.timeout(20_000).emitWithAck("exec:start", { hostId: f.hostId, container: "audit-term", cmd, tty })) as { ok: boolean; execId: string };
      assert.equal(started.ok, true, JSON.stringify(started));
      for (const [i, data] of inputs.entries()) {
        const last = i === inputs.length - 1;
        const r = (await s.timeout(10_000).emitWithAck("exec:input", { execId: started.execId, data, ...(last && !tty ? { eof: true } : {}) })) as { ok: boolean };
        assert.equal(r.ok, true);
      }
      const end = await ended;
      s.off("exec:data");
      return { execId: started.execId, out, end };
    };
    const typed = await session(["sh"], true, ["echo typed-$((2+3))\r", "exit 7\r"]);
    assert.equal(typed.end.exitCode, 7);
    assert.match(typed.out, /typed-5/);
    const big = await session(["sh", "-c", "cat >/dev/null"], false, ["a".repeat(30_000), "b".repeat(30_000), "c".repeat(30_000)]);
    assert.equal(big.end.exitCode, 0);

    const endOf = async (execId: string) =>
      waitFor(`the end record of ${execId}`, async () => (await rows("action=containers.exec")).find((r) => r.details?.event === "end" && r.details.execId === execId), 10_000);
    const end = await endOf(typed.execId);
    assert.equal(end.userEmail, f.owner.email);
    assert.equal(end.target, `hosts/${f.hostId}/containers/audit-term`);
    assert.equal(end.details!.exitCode, 7);
    assert.equal(end.details!.input, "echo typed-$((2+3))\rexit 7\r");
    assert.equal(end.details!.inputTruncated, false);
    const start = (await rows("action=containers.exec")).find((r) => r.details?.event === "start" && r.details.execId === typed.execId);
    assert.deepEqual(start?.details?.cmd, ["sh"]);

    const cut = await endOf(big.execId);
    assert.equal(cut.details!.inputBytes, 90_000);
    assert.equal(cut.details!.inputTruncated, true);
    assert.equal((cut.details!.input as string).length, 64 * 1024);
    assert.ok((cut.details!.input as string).startsWith("a".repeat(30_000) + "b".repeat(30_000) + "c"));
    assert.match(cut.text, /input cut at 64 KiB of 90000 bytes/);
  } finally {
    s.close();
  }
});

test("the export streams the rows the filters select, as CSV and as JSON", async () => {
  const json = await owner().get("/api/v1/audit/export?format=json&action=auth.sign-in&outcome=wrong_password");
  assert.equal(json.status, 200);
  assert.match(json.headers.get("content-disposition") ?? "", /attachment; filename="gantry-audit-.*\.json"/);
  const items = json.body as Row[];
  assert.ok(items.length >= 1);
  assert.ok(items.every((r) => r.action === "auth.sign-in" && r.outcome === "wrong_password"), JSON.stringify(items));
  const res = await f.cp.fetch(`${f.cp.url}/api/v1/audit/export?format=csv&who=${encodeURIComponent(f.owner.email)}&action=auth.sign-in`, { headers: { cookie: f.ownerCookie } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/csv/);
  const lines = (await res.text()).trim().split("\r\n");
  assert.equal(lines[0], "id,seq,at,userEmail,userId,tokenId,action,target,outcome,ip,userAgent,text,details,hash");
  assert.ok(lines.length >= 3, lines.join("\n"));
  assert.ok(lines.slice(1).every((l) => l.includes(f.owner.email) && l.includes(",auth.sign-in,")), lines.join("\n"));
  const tooEarly = await owner().get("/api/v1/audit/export?format=json&to=2000-01-01T00:00:00Z");
  assert.deepEqual(tooEarly.body, []);
  assert.equal((await owner().get("/api/v1/audit/export?format=xml")).status, 422);
});

test("writers in two processes sharing the database, writing at once, keep one chain", async () => {
  // The control plane's requests, and this process writing through the same lib (as a second replica would) with a
  // connection pool of its own.
  const token = (await owner().post("/api/v1/tokens", { name: "replicas" })).body.token as string;
  const { recordActivity } = await import("@/lib/activity/record-activity");
  const bearer = { authorization: `Bearer ${token}` };
  const http = Array.from({ length: 30 }, (_, i) => api(f.cp).patch(`/api/v1/hosts/${f.hostId}`, { name: `audit-host-${i}` }, bearer));
  const direct = Array.from({ length: 30 }, (_, i) => recordActivity({ actor: null, action: "test.replica", target: `replica/${i}`, details: { i } }));
  const [answers] = await Promise.all([Promise.all(http), Promise.all(direct)]);
  assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.map((a) => a.body)));
  const { rows: stats } = await sql.query(
    `SELECT count(*)::int AS n, count(DISTINCT "prevHash")::int AS links, max(seq) - min(seq) + 1 AS span FROM "ActivityRecord" WHERE seq IS NOT NULL`,
  );
  assert.equal(stats[0].links, stats[0].n, "no two rows link to the same one (no fork)");
  assert.equal(stats[0].span, stats[0].n, "no gap");
  const report = await verify();
  assert.equal(report.ok, true, JSON.stringify(report.problems));
});

test("verify passes, then names the row an UPDATE in Postgres altered and the gap a DELETE left", async () => {
  const first = await verify();
  assert.equal(first.ok, true, JSON.stringify(first.problems));
  assert.ok(first.checked > 10);
  // The same through `gantry audit verify`, with an API token.
  const home = mkdtempSync(join(tmpdir(), "gantry-audit-cli-"));
  const cliToken = (await owner().post("/api/v1/tokens", { name: "audit-cli" })).body.token as string;
  const cli = (...args: string[]) => gantry(home, ["audit", "verify", ...args], { GANTRY_URL: f.cp.url, GANTRY_TOKEN: cliToken });
  const intact = await cli();
  assert.equal(intact.code, 0, intact.stderr);
  assert.match(intact.stdout, /^audit chain intact: \d+ rows to seq \d+, head [0-9a-f]{64}/);

  const [victim] = await rows("action=auth.sign-in&outcome=wrong_password");
  assert.ok(victim);
  // As someone with the database's keys would: past the append-only trigger.
  const tamper = async (statement: string, args: unknown[]) => {
    await sql.query("BEGIN");
    await sql.query("SET LOCAL session_replication_role = replica");
    await sql.query(statement, args);
    await sql.query("COMMIT");
  };
  await tamper(`UPDATE "ActivityRecord" SET outcome = 'ok' WHERE id = $1`, [victim.id]);
  const altered = await verify();
  assert.equal(altered.ok, false);
  assert.equal(altered.problems[0]!.id, victim.id);
  assert.equal(altered.problems[0]!.problem, "altered");
  assert.deepEqual(altered.problems[0]!.fields, ["outcome"]);
  assert.match(altered.problems[0]!.message, new RegExp(`row ${victim.id} \\(seq ${victim.seq}\\) was altered after it was sealed: outcome changed`));
  assert.equal(altered.problems.length, 1, "one altered row is one problem, not a break of every later link");
  const broken = await cli();
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, new RegExp(`audit chain BROKEN: row ${victim.id} \\(seq ${victim.seq}\\) was altered after it was sealed: outcome changed`));

  // An intent's outcome changed without its outcome row is found too.
  const [mutation] = await rows("action=tokens.manage&target=tokens");
  await tamper(`UPDATE "ActivityRecord" SET outcome = 'wrong_password' WHERE id = $1`, [victim.id]);
  await tamper(`UPDATE "ActivityRecord" SET outcome = 'forbidden' WHERE id = $1`, [mutation!.id]);
  const view = await verify();
  assert.equal(view.ok, false);
  assert.deepEqual(view.problems.map((p) => [p.id, p.problem]), [[mutation!.id, "view-altered"]]);
  await tamper(`UPDATE "ActivityRecord" SET outcome = 'ok' WHERE id = $1`, [mutation!.id]);
  assert.equal((await verify()).ok, true);

  const { rows: gone } = await sql.query(`SELECT id, seq FROM "ActivityRecord" WHERE seq IS NOT NULL ORDER BY seq LIMIT 1 OFFSET 5`);
  await tamper(`DELETE FROM "ActivityRecord" WHERE id = $1`, [gone[0].id]);
  const deleted = await verify();
  assert.equal(deleted.ok, false);
  assert.equal(deleted.problems[0]!.problem, "gap");
  assert.match(deleted.problems[0]!.message, new RegExp(`1 row deleted: seq ${gone[0].seq} missing between row \\d+ and row \\d+`));
});

test("retention prunes the chain's oldest rows and leaves a checkpoint verify starts from; a checkpoint nobody announced is found", async () => {
  // The pruning the control plane runs hourly with GANTRY_AUDIT_RETENTION_DAYS, run here against its database as if
  // two days had passed with a retention of one day: every row so far (the tampered ones too) is past it.
  const { pruneActivity, auditRetentionDays } = await import("@/lib/activity/prune-activity");
  assert.equal(auditRetentionDays({ GANTRY_AUDIT_RETENTION_DAYS: "30" }), 30);
  assert.throws(() => auditRetentionDays({ GANTRY_AUDIT_RETENTION_DAYS: "0" }), /GANTRY_AUDIT_RETENTION_DAYS must be a whole number of days ≥ 1/);
  const { rows: before } = await sql.query(`SELECT max(seq) AS last FROM "ActivityRecord"`);
  const r = await pruneActivity(1, new Date(Date.now() + 2 * 86_400_000));
  assert.ok(r.pruned > 10);
  assert.equal(r.checkpointSeq, before[0].last);
  const { rows: left } = await sql.query(`SELECT action, seq FROM "ActivityRecord" ORDER BY seq`);
  assert.equal(left[0].action, "audit.prune", "the pruning is the chain's first row now");
  await owner().post("/api/v1/tokens", { name: "after-pruning" });
  const report = await verify();
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.from, left[0].seq - 1);
  const [pruning] = await rows("action=audit.prune");
  assert.match(pruning!.text, /pruned \d+ activity records older than 1 days/);

  // Checkpoints are append-only; one slipped in past the trigger, to hide more deletions, is not the chain's.
  await assert.rejects(sql.query(`DELETE FROM "AuditCheckpoint"`), /append-only/);
  await sql.query(`INSERT INTO "AuditCheckpoint" (seq, hash, pruned, "olderThan") VALUES ($1, $2, 1, now())`, [left[0].seq, "f".repeat(64)]);
  const forged = await verify();
  assert.equal(forged.ok, false);
  assert.equal(forged.problems[0]!.problem, "checkpoint");
});
