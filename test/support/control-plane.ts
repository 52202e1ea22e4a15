// A real control plane for integration tests: server/server.ts in its own process, on a free port, with its own
// GANTRY_DATA (and so its own embedded PostgreSQL). Needs `next build` to have run (npm test's setup does it).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./bundle";

export interface ControlPlane {
  url: string;
  port: number;
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startControlPlane(opts: { dataDir?: string; port?: number; env?: Record<string, string> } = {}): Promise<ControlPlane> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "gantry-cp-"));
  const port = opts.port ?? (await freePort());
  let out = "";
  const child = spawn(process.execPath, ["--import", "tsx", "server/server.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", GANTRY_DATA: dataDir, GANTRY_PUBLIC_URL: `http://127.0.0.1:${port}`, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`control plane exited with ${child.exitCode} during start:\n${out}`);
    try {
      const res = await fetch(`${url}/api/health`);
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
