// `npm run up`'s last step (scripts/up.ts): the control plane (https, its own certificate) and this machine's agent,
// joined as host 1 with that certificate pinned, both stopped by one SIGTERM; started again, the same host comes back
// with its stored credential and pin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "../support/control-plane";
import { waitFor } from "../support/agent";
import { REPO_ROOT } from "../support/bundle";

function up(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/up.ts"], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => out, exited };
}

test("up starts the control plane and the local agent as host 1; SIGTERM stops both; a restart keeps host 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-up-"));
  chmodSync(dir, 0o755); // the embedded postgres runs as its own user and must traverse to GANTRY_DATA
  const port = await freePort();
  const env = { PORT: String(port), HOST: "127.0.0.1", GANTRY_DATA: join(dir, "server"), GANTRY_ROOT: join(dir, "agent"), GANTRY_DOCKER_SOCKET: join(dir, "docker.sock"), GANTRY_HEARTBEAT_INTERVAL_MS: "500" };
  let run = up(env);
  let sql: pg.Client | undefined;
  try {
    await waitFor("the URL to open", async () => run.output().includes(`open https://localhost:${port}`) || (run.child.exitCode !== null && assert.fail(run.output())), 90_000);
    await waitFor("the agent connected", async () => run.output().includes("[gantry-agent] connected to"), 30_000);
    assert.match(run.output(), new RegExp(`joined https://127.0.0.1:${port} as host 1 `));
    assert.equal(statSync(join(dir, "agent/agent/credential")).mode & 0o777, 0o600);
    // The agent pinned the certificate the control plane made (key 0600) and keeps it beside its credential.
    assert.equal(statSync(join(dir, "server/tls/key.pem")).mode & 0o777, 0o600);
    const served = new X509Certificate(readFileSync(join(dir, "server/tls/cert.pem")));
    assert.equal(JSON.parse(readFileSync(join(dir, "agent/agent/server.json"), "utf8")).fingerprint, served.fingerprint256);
    assert.equal(new X509Certificate(readFileSync(join(dir, "agent/agent/server.pem"))).fingerprint256, served.fingerprint256);

    const password = readFileSync(join(dir, "server/postgres/password"), "utf8").trim();
    sql = new pg.Client({
      connectionString: `postgresql://postgres:${encodeURIComponent(password)}@localhost:5432/gantry?host=${encodeURIComponent(join(dir, "server/postgres/run"))}`,
    });
    await sql.connect();
    await waitFor("host 1 online", async () => (await sql!.query(`SELECT status FROM "Host" WHERE id = 1`)).rows[0]?.status === "online");
    await sql.end();
    sql = undefined;

    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /\[gantry-agent\] SIGTERM: stopping/);
    assert.match(run.output(), /\[gantry\] SIGTERM: shutting down/);

    run = up(env);
    await waitFor("the agent connected again", async () => run.output().includes("[gantry-agent] connected to") || (run.child.exitCode !== null && assert.fail(run.output())), 90_000);
    assert.match(run.output(), /the local agent is host 1 /);
    assert.doesNotMatch(run.output(), /joined/);
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0);
  } finally {
    await sql?.end().catch(() => {});
    if (run.child.exitCode === null) {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
