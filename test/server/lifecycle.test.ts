// The control plane's process contract: health once ready, a kill -9 survived, clear errors for a busy port or an
// unreachable database, clean shutdown on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startControlPlane, freePort } from "../support/control-plane";
import { REPO_ROOT } from "../support/bundle";

function postmasterPid(dataDir: string): number | null {
  const f = join(dataDir, "postgres/data/postmaster.pid");
  return existsSync(f) ? Number(readFileSync(f, "utf8").split("\n")[0]) : null;
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("health reports the database, migrations are recorded, SIGTERM stops postgres too", async () => {
  const cp = await startControlPlane();
  try {
    const res = await fetch(`${cp.url}/api/health`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, "ok");
    assert.equal(body.database.status, "ok");

    const client = new pg.Client({ connectionString: cp.databaseUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name`);
    await client.end();
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => r.finished_at), "every migration finished");

    const pid = postmasterPid(cp.dataDir);
    assert.ok(pid && alive(pid), "embedded postgres runs");
    await cp.stop();
    assert.equal(cp.process.exitCode, 0);
    assert.ok(!alive(pid!), "postgres stopped with the server");
  } finally {
    await cp.destroy();
  }
});

test("a kill -9 of the server is survived: the next start takes over the stale postgres and keeps the data", async () => {
  const first = await startControlPlane();
  try {
    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    await client.query(`CREATE TABLE survivor (v text)`);
    await client.query(`INSERT INTO survivor VALUES ('still here')`);
    await client.end();
    await first.kill();
    const stale = postmasterPid(first.dataDir);
    assert.ok(stale && alive(stale), "postgres outlives a SIGKILLed server");

    const second = await startControlPlane({ dataDir: first.dataDir });
    try {
      const c2 = new pg.Client({ connectionString: second.databaseUrl });
      await c2.connect();
      const { rows } = await c2.query(`SELECT v FROM survivor`);
      await c2.end();
      assert.deepEqual(rows, [{ v: "still here" }]);
    } finally {
      await second.stop();
    }
  } finally {
    await first.destroy();
  }
});

test("a port in use is a clear error and a non-zero exit", async () => {
  const cp = await startControlPlane();
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", "server/server.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(cp.port), HOST: "127.0.0.1", GANTRY_DATA: mkdtempSync(join(tmpdir(), "gantry-cp-")) },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`port ${cp.port} is already in use`));
  } finally {
    await cp.destroy();
  }
});

test("an unreachable DATABASE_URL is a clear error and a non-zero exit", async () => {
  const dead = await freePort();
  const r = spawnSync(process.execPath, ["--import", "tsx", "server/server.ts"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(await freePort()),
      HOST: "127.0.0.1",
      GANTRY_DATA: mkdtempSync(join(tmpdir(), "gantry-cp-")),
      DATABASE_URL: `postgresql://gantry:secret-pw@127.0.0.1:${dead}/gantry`,
    },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /database unreachable at postgresql:\/\/127\.0\.0\.1:\d+\/gantry/);
  assert.doesNotMatch(r.stderr + r.stdout, /secret-pw/, "the password never reaches the logs");
});
