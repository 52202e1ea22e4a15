// README's promise: `npm run up` from a fresh clone in any directory — here one inside a 0700 directory, as root's
// home is, which the `postgres` user that runs the embedded PostgreSQL cannot traverse. The clone is this repository's
// committed HEAD with the build outputs of the running tree copied in (node_modules hard-linked), so set-up finds
// everything up to date and goes straight to starting; the control plane must come up healthy with the local agent,
// nothing on the way to the clone loosened, and `gantry`/`gantry-agent` wrappers written for the clone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import type { TLSSocket } from "node:tls";
import { join, relative } from "node:path";
import { freePort } from "../support/control-plane";
import { waitFor } from "../support/agent";
import { REPO_ROOT } from "../support/bundle";

/** Sets every file under `dir` to one time, so make sees outputs no older than their inputs. */
function touchTree(dir: string, at: Date) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) touchTree(p, at);
    else if (e.isFile()) utimesSync(p, at, at);
  }
}

test("npm run up from a fresh clone under a 0700 directory brings the control plane up healthy, with the local agent and the commands on PATH", async () => {
  const base = mkdtempSync(join(tmpdir(), "gantry-clone-"));
  chmodSync(base, 0o755); // GANTRY_DATA lives here: the postgres user must reach its own data
  const home = join(base, "home");
  mkdirSync(home, { mode: 0o700 });
  chmodSync(home, 0o700);
  const clone = join(home, "gantry");
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", REPO_ROOT, clone]);
  // What a first `npm run up` would have built, taken from this tree: node_modules hard-linked (its stamp a copy
  // of its own, newer than the clone's package.json), the generated Prisma client, the native build, the Next build.
  execFileSync("cp", ["-al", join(REPO_ROOT, "node_modules"), join(clone, "node_modules")]);
  const stamp = join(clone, "node_modules/.package-lock.json");
  unlinkSync(stamp);
  copyFileSync(join(REPO_ROOT, "node_modules/.package-lock.json"), stamp);
  cpSync(join(REPO_ROOT, "lib/generated"), join(clone, "lib/generated"), { recursive: true });
  cpSync(join(REPO_ROOT, "native/build"), join(clone, "native/build"), { recursive: true, verbatimSymlinks: true });
  touchTree(join(clone, "native/build"), new Date());
  cpSync(join(REPO_ROOT, ".next"), join(clone, ".next"), { recursive: true, verbatimSymlinks: true, filter: (src) => relative(join(REPO_ROOT, ".next"), src) !== "cache" });
  utimesSync(join(clone, ".next/BUILD_ID"), new Date(), new Date());

  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    GANTRY_DATA: join(base, "server"),
    GANTRY_ROOT: join(base, "agent"),
    GANTRY_DOCKER_SOCKET: join(base, "docker.sock"),
    GANTRY_BIN_DIR: join(base, "bin"),
    GANTRY_HEARTBEAT_INTERVAL_MS: "500",
  };
  const up = spawn(process.execPath, ["scripts/setup.mjs", "--start"], { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  up.stdout!.on("data", (d) => (out += d));
  up.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => up.once("exit", (code) => r(code)));
  try {
    await waitFor("the URL to open", async () => out.includes(`open https://localhost:${port}`) || (up.exitCode !== null && assert.fail(out)), 120_000);
    // Healthy, served with the certificate the control plane made under GANTRY_DATA.
    const health = await new Promise<{ status: number; fingerprint: string }>((resolve, reject) =>
      httpsGet(`https://127.0.0.1:${port}/api/health`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, fingerprint: (res.socket as TLSSocket).getPeerCertificate().fingerprint256 });
      }).on("error", reject),
    );
    assert.equal(health.status, 200, out);
    assert.equal(health.fingerprint, new X509Certificate(readFileSync(join(base, "server/tls/cert.pem"))).fingerprint256);
    await waitFor("the agent connected", async () => out.includes("[gantry-agent] connected to") || (up.exitCode !== null && assert.fail(out)), 60_000);
    assert.doesNotMatch(out, /installing npm packages|building the Next.js app|generating the Prisma client/, "set-up found the build up to date");
    // The database's binaries ran from a copy under GANTRY_DATA; the user's directory stayed closed.
    assert.match(out, new RegExp(`cannot reach ${clone}/node_modules/.* using a copy in ${base}/server/postgres/engine/`));
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.ok(existsSync(join(base, "server/postgres/data/PG_VERSION")));

    // The commands are on PATH for this clone.
    const wrapper = readFileSync(join(base, "bin/gantry-agent"), "utf8");
    assert.ok(wrapper.includes(`'${clone}/bin/gantry-agent.mjs'`), wrapper);
    const version = await new Promise<string>((resolve, reject) =>
      execFile(join(base, "bin/gantry"), ["version"], { cwd: base }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))),
    );
    assert.match(version, /^gantry \d+\.\d+\.\d+ \(agent protocol/);

    up.kill("SIGTERM");
    assert.equal(await exited, 0, out);
  } finally {
    if (up.exitCode === null && up.signalCode === null) {
      up.kill("SIGTERM");
      await exited;
    }
    rmSync(base, { recursive: true, force: true });
  }
});
