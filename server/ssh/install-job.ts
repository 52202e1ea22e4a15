// The install job's runner: adds a host over SSH, one step after another, each stored on the job row (steps JSON) and
// pushed to the browsers in the job's room as it changes:
//   connect   — log in with the credentials given (held in memory for the job only); an unknown host key pauses the job
//               (awaiting-host-key, with its SHA256 fingerprint) until a person confirms it; a key other than the
//               pinned one fails it, naming both.
//   upload    — the agent bundle (lib/hosts/agent-bundle.ts) over SFTP into a private temp dir, with progress; its
//               sha256 checked on the target; unpacked (install.sh then checks every file against SHA256SUMS).
//   preflight — `install.sh preflight`, each check a line; a failed check fails the job naming it.
//   install   — `install.sh install --server URL --token …` with a fresh single-use join token, never stored or shown:
//               redacted from every line kept.
//   online    — until the host that token made is online in the Host table; then the host key is pinned on it.
// Cancel kills the running remote command (server/ssh/session.ts) and removes what the job put there. A failure or
// cancel after the upload runs `install.sh uninstall` when the target had no agent before (install.sh itself puts back
// an agent that was there), and the temp dir goes in every case. Running it again on an installed target repairs it.
import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server as SocketServer } from "socket.io";
import { db } from "@/lib/db";
import { agentBundle } from "@/lib/hosts/agent-bundle";
import { createJoinToken } from "@/lib/hosts/create-join-token";
import { serverContext } from "@/lib/server-context";
import type { InstallCredentials, InstallJobRunner } from "@/lib/hosts/install-job-runner";
import { installJobRoom, STEP_OUTPUT_LINES, toInstallJobView, type InstallStep, type InstallStepName } from "@/lib/hosts/install-job-schemas";
import type { SshTarget } from "@/lib/hosts/ssh-target";
import { connectSsh } from "./connect";
import { SshError } from "./errors";
import type { SshSession } from "./session";
import { BROWSER_NAMESPACE } from "../browser-gateway";

const HOST_KEY_WAIT_MS = 15 * 60_000;
const ONLINE_WAIT_MS = Number(process.env.GANTRY_SSH_ONLINE_WAIT_MS ?? 120_000);
const JOIN_TOKEN_TTL_MS = 30 * 60_000;

class JobFailed extends Error {}

interface Running {
  abort: AbortController;
  confirmed?: () => void;
}

export function createInstallJobRunner(io: SocketServer, opts: { agentEnv?: string } = {}): InstallJobRunner & { close(): void } {
  const running = new Map<string, Running>();
  // Settings every agent installed over SSH gets (GANTRY_SSH_AGENT_ENV="GANTRY_BRIDGE=… GANTRY_BRIDGE_SUBNET=…").
  const agentEnv = (opts.agentEnv ?? "").split(/\s+/).filter(Boolean);
  // Jobs a previous process was running ended with it (their credentials were in its memory only).
  void db.hostInstallJob
    .updateMany({
      where: { state: { in: ["queued", "running", "awaiting_host_key"] } },
      data: { state: "failed", reason: "the control plane restarted during the job: start it again", finishedAt: new Date() },
    })
    .catch(() => {});
  return {
    start(jobId, credentials) {
      const r: Running = { abort: new AbortController() };
      running.set(jobId, r);
      void runJob(io, jobId, credentials, r, agentEnv).finally(() => running.delete(jobId));
    },
    confirmHostKey(jobId) {
      const r = running.get(jobId);
      if (!r?.confirmed) return false;
      r.confirmed();
      return true;
    },
    cancel(jobId) {
      const r = running.get(jobId);
      if (!r) return false;
      r.abort.abort();
      return true;
    },
    close() {
      for (const r of running.values()) r.abort.abort();
    },
  };
}

async function runJob(io: SocketServer, jobId: string, credentials: InstallCredentials, r: Running, agentEnv: string[]): Promise<void> {
  const job = await db.hostInstallJob.findUniqueOrThrow({ where: { id: jobId } });
  const signal = r.abort.signal;
  const steps: InstallStep[] = [];
  const secrets: string[] = [];
  const redact = (line: string) => secrets.reduce((l, s) => l.split(s).join("[redacted]"), line);
  let dirty: Promise<void> | null = null;
  let flushTimer: NodeJS.Timeout | null = null;
  const publish = async (data: Record<string, unknown> = {}) => {
    const row = await db.hostInstallJob.update({ where: { id: jobId }, data: { steps: steps as never, ...data } });
    io.of(BROWSER_NAMESPACE).to(installJobRoom(jobId)).emit("install-job", toInstallJobView(row));
  };
  // Output lines are written at most every 200 ms; state changes at once.
  const save = () => {
    if (flushTimer) return;
    flushTimer = setTimeout(() => {
      flushTimer = null;
      dirty = (dirty ?? Promise.resolve()).then(() => publish()).catch(() => {});
    }, 200);
  };
  const flush = async (data: Record<string, unknown> = {}) => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    await dirty;
    await publish(data);
  };
  let current: InstallStep | null = null;
  const begin = async (name: InstallStepName) => {
    current = { name, state: "running", startedAt: new Date().toISOString(), endedAt: null, output: [], detail: null };
    steps.push(current);
    await flush({ state: "running" });
    return current;
  };
  const line = (text: string) => {
    if (!current) return;
    current.output.push(redact(text));
    if (current.output.length > STEP_OUTPUT_LINES) current.output.splice(0, current.output.length - STEP_OUTPUT_LINES);
    save();
  };
  const end = async (state: InstallStep["state"], detail?: string) => {
    if (!current) return;
    current.state = state;
    current.endedAt = new Date().toISOString();
    if (detail !== undefined) current.detail = redact(detail);
    current = null;
    await flush();
  };

  const target = (hostKey: string | null): SshTarget => ({
    host: job.address,
    port: job.port,
    username: job.username,
    privateKey: credentials.privateKey,
    passphrase: credentials.passphrase,
    password: credentials.password,
    hostKey: hostKey ?? undefined,
    jump: job.jump ? { ...parseEndpoint(job.jump), ...credentials.jump } : undefined,
  });

  let session: SshSession | null = null;
  let remoteDir: string | null = null;
  let installed = false; // install.sh install started (and the target had no agent before)
  let hadAgent = false;
  let joinTokenId: string | null = null;
  // A token the job made and no agent used (a repair keeps its credential; a failure) is revoked, not left outstanding.
  const revokeUnusedToken = async () => {
    if (joinTokenId) await db.joinToken.updateMany({ where: { id: joinTokenId, usedAt: null, revokedAt: null }, data: { revokedAt: new Date() } }).catch(() => {});
  };
  try {
    // --- connect ---------------------------------------------------------------------------------------------------
    await begin("connect");
    let hostKey = job.hostKey;
    for (;;) {
      try {
        session = await connectSsh(target(hostKey), { signal });
        break;
      } catch (e) {
        if (!(e instanceof SshError) || e.reason !== "host-key-unknown" || e.hostKey?.host !== job.address) throw e;
        line(`the target presents the host key ${e.hostKey.fingerprint}: waiting for it to be confirmed`);
        current!.detail = `confirm ${e.hostKey.fingerprint}`;
        await flush({ state: "awaiting_host_key", presentedHostKey: e.hostKey.fingerprint });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new JobFailed(`the host key ${e.hostKey!.fingerprint} was not confirmed within ${HOST_KEY_WAIT_MS / 60_000} minutes`)), HOST_KEY_WAIT_MS);
          r.confirmed = () => {
            clearTimeout(timer);
            resolve();
          };
          signal.addEventListener("abort", () => (clearTimeout(timer), reject(new SshError("cancelled", "cancelled while waiting for the host key to be confirmed"))), { once: true });
        });
        r.confirmed = undefined;
        hostKey = (await db.hostInstallJob.findUniqueOrThrow({ where: { id: jobId }, select: { hostKey: true } })).hostKey;
        line(`host key ${hostKey} confirmed`);
      }
    }
    const who = (await session.run(["id", "-un"], { signal, sudo: false })).stdout.trim();
    line(`logged in to ${who}@${job.address}:${job.port}${job.jump ? ` via ${job.jump}` : ""}; commands run as ${who === "root" ? "root" : `root through sudo -n`}`);
    await end("succeeded", `host key ${hostKey}`);
    await flush({ hostKey });

    // --- upload ----------------------------------------------------------------------------------------------------
    const step = await begin("upload");
    const bundle = await agentBundle();
    line(`agent bundle ${bundle.version} (${mib(bundle.bytes)}, sha256 ${bundle.sha256})`);
    // Not cancelled midway (a dir made but not known would be left behind): a cancel is seen right after.
    const mk = await session.run(["mktemp", "-d", "/tmp/gantry-install.XXXXXX"], { sudo: false, timeoutMs: 30_000 });
    if (mk.code !== 0) throw new JobFailed(`could not make a temp dir on the target: ${mk.stderr.trim()}`);
    remoteDir = mk.stdout.trim();
    line(`uploading into ${remoteDir} on the target`);
    signal.throwIfAborted();
    const remoteBundle = `${remoteDir}/bundle.tar.gz`;
    let lastShown = 0;
    await session.upload(bundle.file, remoteBundle, {
      signal,
      onProgress: (sent, total) => {
        step.detail = `${mib(sent)} of ${mib(total)}`;
        if (sent === total || sent - lastShown >= total / 10) {
          lastShown = sent;
          line(`sent ${mib(sent)} of ${mib(total)}`);
        }
        save();
      },
    });
    line(`sha256 checked on the target: ${bundle.sha256}`);
    const untar = await session.run(["tar", "-xzf", remoteBundle, "-C", remoteDir], { signal });
    if (untar.code !== 0) throw new JobFailed(`unpacking the bundle on the target failed: ${untar.stderr.trim()}`);
    const installSh = `${remoteDir}/gantry-agent-${bundle.version}/install.sh`;
    await end("succeeded", `${mib(bundle.bytes)} sent and verified`);

    // --- preflight -------------------------------------------------------------------------------------------------
    await begin("preflight");
    const failedChecks: string[] = [];
    const pre = await session.run(["sh", installSh, "preflight"], {
      signal,
      timeoutMs: 120_000,
      onLine: (_stream, text) => {
        line(text);
        const m = /^gantry-install: preflight: ([\w-]+): (ok|fail): (.*)$/.exec(text);
        if (m?.[2] === "fail") failedChecks.push(`${m[1]} (${m[3]})`);
        if (m?.[1] === "agent" && m[2] === "ok" && m[3] !== "none") hadAgent = true;
      },
    });
    if (pre.code !== 0) {
      throw new JobFailed(failedChecks.length ? `preflight failed: ${failedChecks.join("; ")}` : `preflight failed (exit ${pre.code}): ${lastLine(pre.stderr)}`);
    }
    await end("succeeded", hadAgent ? "all checks passed; an agent is installed here: install repairs it" : "all checks passed");

    // --- install ---------------------------------------------------------------------------------------------------
    await begin("install");
    const token = await createJoinToken({ createdById: job.startedById, ttlMs: JOIN_TOKEN_TTL_MS, hostName: job.name });
    joinTokenId = token.id;
    secrets.push(token.token);
    await db.hostInstallJob.update({ where: { id: jobId }, data: { joinTokenId: token.id } });
    // The token goes in a file of the job's own temp dir (0700, the file 0600), read by install.sh from stdin: on the
    // command line any user of the target could read it from ps while the install runs.
    const tokenFile = await writeLocalSecret(token.token);
    try {
      await session.upload(tokenFile.path, `${remoteDir}/join-token`, { signal });
    } finally {
      tokenFile.remove();
    }
    const tls = serverContext.maybe()?.tls;
    const args = ["install", "--server", job.serverUrl, "--token", "-"];
    if (tls?.pinned) args.push("--fingerprint", tls.fingerprint);
    for (const kv of agentEnv) args.push("--env", kv);
    installed = !hadAgent;
    const inst = await session.run(["sh", "-c", 'f=$1; shift; exec sh "$@" < "$f"', "sh", `${remoteDir}/join-token`, installSh, ...args], {
      signal,
      timeoutMs: 300_000,
      onLine: (_stream, text) => line(text),
    });
    if (inst.code !== 0) throw new JobFailed(`install.sh install failed: ${redact(lastLine(inst.stderr) || `exit ${inst.code}`)}`);
    await end("succeeded");

    // --- online ----------------------------------------------------------------------------------------------------
    await begin("online");
    const deadline = Date.now() + ONLINE_WAIT_MS;
    let hostId: number | null = null;
    for (;;) {
      signal.throwIfAborted();
      const used = await db.joinToken.findUnique({ where: { id: token.id }, select: { hostId: true, host: { select: { status: true, name: true } } } });
      // A repair: the agent already held a credential and did not use the token; it is the host it reports as.
      if (used?.hostId && used.host?.status === "online") {
        hostId = used.hostId;
        line(`host ${used.host.name} (id ${hostId}) is online`);
        break;
      }
      if (hadAgent && !used?.hostId) {
        const existing = await db.host.findFirst({ where: { sshAddress: `${job.address}:${job.port}`, revokedAt: null, status: "online" }, orderBy: { id: "desc" }, select: { id: true, name: true } });
        if (existing) {
          hostId = existing.id;
          line(`host ${existing.name} (id ${hostId}) is online again`);
          break;
        }
      }
      if (Date.now() > deadline) throw new JobFailed(`the agent was installed but the host did not come online within ${ONLINE_WAIT_MS / 1000} s: can the target reach ${job.serverUrl}?`);
      await new Promise((res) => setTimeout(res, 300));
    }
    await db.host.update({ where: { id: hostId }, data: { sshHostKey: hostKey, sshAddress: `${job.address}:${job.port}` } });
    await end("succeeded", `host ${hostId}`);
    installed = false;
    await cleanup(session, remoteDir, false);
    await revokeUnusedToken();
    await flush({ state: "succeeded", hostId, finishedAt: new Date() });
  } catch (e) {
    const cancelled = signal.aborted;
    const reason = cancelled ? "cancelled" : e instanceof SshError || e instanceof JobFailed ? redact(e.message) : `the job failed: ${redact((e as Error).message)}`;
    if (!cancelled && !(e instanceof SshError) && !(e instanceof JobFailed)) console.error(`[gantry] install job ${jobId}:`, e);
    if (current) {
      (current as InstallStep).output.push(cancelled ? "cancelled" : reason);
      await end(cancelled ? "cancelled" : "failed", reason);
    }
    if (session && remoteDir) {
      await begin("cleanup");
      try {
        await cleanup(session, remoteDir, installed, line);
        await end("succeeded", installed ? "uninstalled what the job installed; removed the bundle" : "removed the bundle");
      } catch (ce) {
        await end("failed", `cleaning up on the target failed: ${redact((ce as Error).message)}`);
      }
    }
    await revokeUnusedToken();
    await flush({ state: cancelled ? "cancelled" : "failed", reason, finishedAt: new Date() });
  } finally {
    session?.close();
  }
}

/** Removes the temp dir (and, when the job installed an agent that did not make it, the agent: install.sh uninstall). */
async function cleanup(session: SshSession, remoteDir: string | null, uninstall: boolean, line?: (text: string) => void): Promise<void> {
  if (!remoteDir) return;
  if (uninstall) {
    const installSh = await session.run(["sh", "-c", 'for f in "$1"/gantry-agent-*/install.sh; do [ -f "$f" ] && echo "$f"; done', "sh", remoteDir], { timeoutMs: 30_000 });
    const path = installSh.stdout.trim().split("\n")[0];
    if (path) {
      const r = await session.run(["sh", path, "uninstall"], { timeoutMs: 120_000, onLine: (_s, text) => line?.(text) });
      if (r.code !== 0) throw new Error(`install.sh uninstall failed: ${lastLine(r.stderr)}`);
    }
  }
  const rm = await session.run(["rm", "-rf", "--", remoteDir], { timeoutMs: 30_000 });
  if (rm.code !== 0) throw new Error(`removing ${remoteDir} failed: ${lastLine(rm.stderr)}`);
  line?.(`removed ${remoteDir}`);
}

/** A 0600 file under a 0700 temp dir holding `secret` (for an SFTP upload), and its removal. */
async function writeLocalSecret(secret: string): Promise<{ path: string; remove(): void }> {
  const dir = await mkdtemp(join(tmpdir(), "gantry-secret-"));
  const path = join(dir, "secret");
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function parseEndpoint(s: string): { host: string; port: number; username: string } {
  const m = /^([^@]+)@(.+?)(?::(\d+))?$/.exec(s)!;
  return { username: m[1]!, host: m[2]!, port: m[3] ? Number(m[3]) : 22 };
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
const lastLine = (s: string) => s.trim().split("\n").at(-1) ?? "";
