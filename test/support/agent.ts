// A real agent process for tests: agent/main.ts with its own GANTRY_ROOT, optionally inside a network namespace
// (`nsenter --net=/run/netns/NS node --import tsx agent/main.ts`: unlike `ip netns exec`, nsenter leaves /sys and its
// cgroup hierarchies as they are, so the agent there can run containers).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./bundle";

export interface AgentProcess {
  root: string;
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or 128+signal) once the agent exits. */
  exited: Promise<number>;
  /** Waits until the output contains `text` (or the agent exits, or `ms` pass: then rejects with the output). */
  waitForOutput(text: string | RegExp, ms?: number): Promise<void>;
  stop(): Promise<number>;
  kill(): Promise<number>;
  /** Stops it and removes its GANTRY_ROOT (unless it was given). */
  destroy(): Promise<void>;
}

export interface AgentOptions {
  serverUrl?: string;
  token?: string;
  /** The control plane's certificate fingerprint to pin (GANTRY_SERVER_FINGERPRINT). */
  fingerprint?: string;
  root?: string;
  netns?: string;
  /** Run the installed command (bin/gantry-agent.mjs) instead of `node --import tsx agent/main.ts`. */
  viaBin?: boolean;
  args?: string[];
  env?: Record<string, string>;
}

export function startAgent(opts: AgentOptions = {}): AgentProcess {
  const ownRoot = !opts.root;
  const root = opts.root ?? mkdtempSync(join(tmpdir(), "gantry-agent-"));
  const node = opts.viaBin
    ? [join(REPO_ROOT, "bin/gantry-agent.mjs"), ...(opts.args ?? [])]
    : [process.execPath, "--import", "tsx", "agent/main.ts", ...(opts.args ?? [])];
  const [cmd, ...args] = opts.netns ? ["nsenter", `--net=/run/netns/${opts.netns}`, ...node] : node;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GANTRY_ROOT: root,
    GANTRY_HEARTBEAT_INTERVAL_MS: "500",
    // Each agent serves its Docker API on its own socket, never the machine's /run/gantry/docker.sock.
    GANTRY_DOCKER_SOCKET: join(root, "docker.sock"),
    ...(opts.serverUrl ? { GANTRY_SERVER_URL: opts.serverUrl } : {}),
    ...(opts.token ? { GANTRY_JOIN_TOKEN: opts.token } : {}),
    ...(opts.fingerprint ? { GANTRY_SERVER_FINGERPRINT: opts.fingerprint } : {}),
    ...opts.env,
  };
  if (!opts.serverUrl) delete env.GANTRY_SERVER_URL;
  if (!opts.fingerprint && !opts.env?.GANTRY_SERVER_FINGERPRINT) delete env.GANTRY_SERVER_FINGERPRINT;
  const child: ChildProcess = spawn(cmd!, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const l of listeners) l();
      resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15));
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = async (sig: NodeJS.Signals) => {
    if (running()) child.kill(sig);
    return exited;
  };

  return {
    root,
    process: child,
    output: () => out,
    exited,
    waitForOutput(text, ms = 30_000) {
      const found = () => (typeof text === "string" ? out.includes(text) : text.test(out));
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (found()) return done(), resolve();
          if (!running()) return done(), reject(new Error(`agent exited before printing ${text}:\n${out}`));
        };
        const timer = setTimeout(() => (done(), reject(new Error(`agent did not print ${text} within ${ms} ms:\n${out}`))), ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    async destroy() {
      await signal("SIGTERM");
      if (ownRoot) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Mints a join token through the API as a signed-in user (`cookie`); returns the token and the command shown.
 *  `fetchImpl`: a control plane's own fetch when it serves its own certificate (ControlPlane.fetch). */
export async function mintJoinToken(
  cpUrl: string,
  cookie: string,
  fetchImpl: typeof fetch = fetch,
): Promise<{ token: string; command: string; serviceCommand: string; fingerprint: string | null; expiresAt: string }> {
  const res = await fetchImpl(`${cpUrl}/api/v1/join-tokens`, { method: "POST", headers: { cookie } });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`minting a join token failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Polls `probe` until it returns a value that is not undefined/false, at most `ms`. An assertion failing inside the
 *  probe ends the wait at once; other errors count as "not yet". */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 20_000, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      if ((e as Error)?.name === "AssertionError") throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * Removes what a stopped agent made on this machine, as its owner would: `gantry-agent uninstall --root ROOT` with the
 * agent's own environment (its socket, runtime, bridge and chains) — its containers (a pod's too: a running agent would
 * make them again as they go), its pods' records and tmpfs volumes, its bridges and chains. The root itself stays.
 */
export function uninstallAgent(root: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [join(REPO_ROOT, "bin/gantry-agent.mjs"), "uninstall", "--root", root],
      { cwd: REPO_ROOT, env: { ...process.env, GANTRY_DOCKER_SOCKET: join(root, "docker.sock"), ...env }, timeout: 120_000 },
      (e, out, err) => (e ? reject(new Error(`gantry-agent uninstall --root ${root} failed: ${out}${err}`)) : resolve()),
    ),
  );
}
