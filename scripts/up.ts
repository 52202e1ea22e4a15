// `npm run up` (after scripts/setup.mjs has installed and built everything): starts the control plane, waits until it
// is healthy, makes sure this machine's agent has joined it (the first time: a join token minted straight in the
// database and handed to the agent through its environment, never on a command line), starts the agent, and prints
// the URL to open. With TLS (the default) the certificate is made or read here first, so the health check and the agent
// pin the very certificate the control plane serves. SIGINT/SIGTERM are forwarded to both children; the control plane
// stopping stops everything.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { join, resolve } from "node:path";
import { loadConfig } from "../server/config";
import { ensureTlsMaterial } from "../server/tls";
import { pinnedTlsOptions, type CertificatePin } from "../agent/tls-pin";

const ROOT = resolve(import.meta.dirname, "..");
const log = (msg: string) => console.log(`[gantry up] ${msg}`);
function fail(msg: string): never {
  console.error(`[gantry up] error: ${msg}`);
  process.exit(1);
}

/** The database the control plane uses: the operator's DATABASE_URL, or the embedded one under GANTRY_DATA. */
function databaseUrl(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  // Same layout as server/db/embedded-postgres.ts: a unix socket directory and a generated password under postgres/.
  const password = readFileSync(join(dataDir, "postgres/password"), "utf8").trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@localhost:5432/gantry?host=${encodeURIComponent(join(dataDir, "postgres/run"))}`;
}

async function waitHealthy(url: string, pin: CertificatePin | null, server: ChildProcess, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) fail(`the control plane exited (${server.exitCode ?? server.signalCode}) before it was ready`);
    if ((await healthStatus(`${url}/api/health`, pin)) === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`the control plane was not healthy after ${ms / 1000} s`);
}

/** GET /api/health's status (0: no answer), trusting only the pinned certificate over https. */
function healthStatus(url: string, pin: CertificatePin | null): Promise<number> {
  return new Promise((resolve) => {
    const options = { timeout: 2_000, ...(pin ? pinnedTlsOptions(pin) : {}) };
    const req = (pin ? httpsGet : httpGet)(url, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/** A join token for the local agent, or null when its stored credential still works (or was revoked on purpose). */
async function localJoinToken(agentRoot: string): Promise<{ token: string | null; start: boolean }> {
  const { authenticateAgent } = await import("@/lib/hosts/authenticate-agent");
  const { createJoinToken } = await import("@/lib/hosts/create-join-token");
  const { GantryError } = await import("@/lib/errors");
  const credentialFile = join(agentRoot, "agent/credential");
  if (existsSync(credentialFile)) {
    const credential = readFileSync(credentialFile, "utf8").trim();
    try {
      const host = await authenticateAgent(credential);
      log(`the local agent is host ${host.id} (${host.name})`);
      return { token: null, start: true };
    } catch (e) {
      if (e instanceof GantryError && (e as { revoked?: boolean }).revoked) {
        log(`the local agent's host was revoked (${e.message}); not starting it. Remove ${credentialFile} to join this machine again.`);
        return { token: null, start: false };
      }
      if (!(e instanceof GantryError && e.code === "unauthorized")) throw e;
      // The control plane's database does not know it (a fresh GANTRY_DATA): the old credential is useless here.
      log(`the credential in ${credentialFile} is not known to this control plane; joining again`);
      rmSync(credentialFile, { force: true });
      rmSync(join(agentRoot, "agent/server.json"), { force: true });
    }
  }
  const { token } = await createJoinToken({ ttlMs: 10 * 60_000 });
  return { token, start: true };
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    fail((e as Error).message);
  }
  const agentRoot = resolve(process.env.GANTRY_ROOT ?? "/var/lib/gantry");
  let pin: CertificatePin | null = null;
  if (config.tls) {
    try {
      const tls = await ensureTlsMaterial(config.tls, config.publicUrl, log);
      pin = { fingerprint: tls.fingerprint, certificate: tls.cert };
    } catch (e) {
      fail((e as Error).message);
    }
  }
  const scheme = pin ? "https" : "http";
  const localUrl = `${scheme}://127.0.0.1:${config.port}`;
  const children = new Set<ChildProcess>();
  let stopping = false;

  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  process.on("SIGINT", () => stopAll("SIGTERM"));
  process.on("SIGTERM", () => stopAll("SIGTERM"));

  const server = spawn(process.execPath, ["--import", "tsx", "server/server.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(config.port), GANTRY_DATA: config.dataDir },
    stdio: "inherit",
  });
  children.add(server);
  server.on("exit", (code, signal) => {
    children.delete(server);
    if (!stopping) log(`the control plane exited (${code ?? signal}); stopping the agent`);
    stopAll("SIGTERM");
    const wait = setInterval(() => {
      if (children.size === 0) {
        clearInterval(wait);
        // Asked to stop, the control plane ends with 0 (143 or 130 if the signal ended it first); each is a clean stop.
        const clean = code === 0 || code === 143 || code === 130 || signal !== null;
        process.exit(stopping && clean ? 0 : (code ?? 1));
      }
    }, 50);
  });

  await waitHealthy(localUrl, pin, server);
  if (stopping) return;

  process.env.DATABASE_URL = databaseUrl(config.dataDir, config.databaseUrl);
  const { token, start } = await localJoinToken(agentRoot);
  if (start && !stopping) {
    const agent = spawn(process.execPath, ["--import", "tsx", "agent/main.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: "", // the agent has no business with the database
        GANTRY_ROOT: agentRoot,
        // The control plane's keys live on this machine: the agent refuses to bind them into a container.
        GANTRY_DATA: config.dataDir,
        GANTRY_SERVER_URL: localUrl,
        // The local agent pins the certificate whoever issued it: 127.0.0.1 need not be a name it lists.
        ...(pin ? { GANTRY_SERVER_FINGERPRINT: pin.fingerprint } : {}),
        ...(token ? { GANTRY_JOIN_TOKEN: token } : {}),
      },
      stdio: "inherit",
    });
    children.add(agent);
    agent.on("exit", (code, signal) => {
      children.delete(agent);
      if (!stopping) log(`the local agent stopped (${code ?? signal}); the control plane keeps running`);
    });
  }
  const { db } = await import("@/lib/db");
  await db.$disconnect().catch(() => {});
  log(`Gantry is running: open ${scheme}://localhost:${config.port} (Ctrl+C stops it)`);
  if (pin && !config.tls!.provided) {
    log(`its certificate is its own (${config.tls!.certPath}, SHA-256 ${pin.fingerprint}): the browser asks once whether to trust it`);
  }
}

main().catch((e) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e)));
