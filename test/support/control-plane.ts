// A real control plane for integration tests: server/server.ts in its own process, on a free port, with its own
// GANTRY_DATA (and so its own embedded PostgreSQL). Needs `next build` to have run (npm test's setup does it).
// TLS: users get https by default; tests that are not about it run with GANTRY_TLS=off unless they ask for `tls: true`,
// which starts the control plane exactly as a user would (its own generated certificate) — test/server/tls.test.ts
// covers that path end to end (join with the pinned fingerprint, agent link over wss, sign-in in Chromium).
import { spawn, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./bundle";
import { fetchTrusting } from "./https";
import { freeSubnets } from "./docker-cli";
import { seedPostgres } from "./postgres-template";

export interface ControlPlane {
  /** http://127.0.0.1:PORT, or https:// with `tls`. */
  url: string;
  port: number;
  /** The certificate it serves (with `tls`): where it is, its PEM, its SHA-256 fingerprint ("AB:CD:…"). */
  tls: { certPath: string; certificate: string; fingerprint: string } | null;
  /** fetch that trusts this control plane's certificate (the global fetch when it serves plain http). */
  fetch: typeof fetch;
  dataDir: string;
  /** The embedded database's URL (unix socket under dataDir), for tests that inspect state directly. */
  databaseUrl: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM and wait; keeps dataDir. */
  stop(): Promise<void>;
  /** SIGKILL (the embedded postgres is left running, as after a crash). */
  kill(): Promise<void>;
  /** Stops and removes dataDir. */
  destroy(): Promise<void>;
}

import { freePort } from "./ports";
export { freePort };

export async function startControlPlane(
  /** `nodeArgs`: options for the server's Node (e.g. --cpu-prof, which NODE_OPTIONS may not carry). */
  opts: { dataDir?: string; port?: number; env?: Record<string, string>; tls?: boolean; nodeArgs?: string[] } = {},
): Promise<ControlPlane> {
  const fresh = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "gantry-cp-"));
  const port = opts.port ?? (await freePort());
  const scheme = opts.tls ? "https" : "http";
  const url = `${scheme}://127.0.0.1:${port}`;
  let out = "";
  // With `tls` nothing about TLS is set: the control plane's own defaults (a certificate under GANTRY_DATA/tls).
  const tlsEnv: Record<string, string> = opts.tls ? {} : { GANTRY_TLS: "off" };
  // A cluster CIDR of its own (kept with its data, so a restart keeps it): hosts of several test files' control planes
  // share this machine's root namespace, and each pod bridge there needs a range no other holds.
  const cidrFile = join(dataDir, "test-cluster-cidr");
  const clusterCIDR = existsSync(cidrFile) ? readFileSync(cidrFile, "utf8").trim() : freeSubnets(1)[0]!;
  writeFileSync(cidrFile, clusterCIDR + "\n");
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1", GANTRY_DATA: dataDir, GANTRY_PUBLIC_URL: url, GANTRY_CLUSTER_CIDR: clusterCIDR, ...tlsEnv, ...opts.env };
  if (opts.tls) for (const k of ["GANTRY_TLS", "GANTRY_TLS_CERT", "GANTRY_TLS_KEY"]) if (!opts.env?.[k]) delete env[k];
  // A new control plane on its embedded database gets an initialised cluster copied in (initdb once per machine).
  if (fresh && !env.DATABASE_URL) await seedPostgres(dataDir);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", "server/server.ts"], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));

  const certPath = opts.env?.GANTRY_TLS_CERT ?? join(dataDir, "tls/cert.pem");
  let tls: ControlPlane["tls"] = null;
  let fetchIt: typeof fetch = fetch;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`control plane exited with ${child.exitCode} during start:\n${out}`);
    try {
      // The certificate exists before the server listens; until then there is nothing to trust or ask.
      if (opts.tls && !tls && existsSync(certPath)) {
        const certificate = readFileSync(certPath, "utf8");
        tls = { certPath, certificate, fingerprint: new X509Certificate(certificate).fingerprint256 };
        fetchIt = fetchTrusting(url, certificate);
      }
      const res = await fetchIt(`${url}/api/health`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`control plane not healthy after 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const password = readFileSync(join(dataDir, "postgres/password"), "utf8").trim();
  const databaseUrl = `postgresql://postgres:${encodeURIComponent(password)}@localhost:5432/gantry?host=${encodeURIComponent(join(dataDir, "postgres/run"))}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  return {
    url,
    port,
    tls,
    fetch: fetchIt,
    dataDir,
    databaseUrl,
    process: child,
    output: () => out,
    stop,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
