// apt for set-up (scripts/setup.mjs): installs missing Debian packages, and first waits — saying who holds them — for
// apt's and dpkg's locks that another package manager holds (unattended-upgrades on a fresh machine, a second
// terminal), instead of failing at once; after GANTRY_APT_LOCK_TIMEOUT seconds it gives up with a clear message.
// Locks are found in /proc/locks (apt and dpkg take fcntl locks). Plain Node: it runs before node_modules exists.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";

export const APT_LOCKS = ["/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock", "/var/cache/apt/archives/lock"];
export const DEFAULT_LOCK_TIMEOUT_S = 600;

export class AptError extends Error {}

/** Who holds each of `paths` now (the first holder per path), from /proc/locks. */
export function lockHolders(paths = APT_LOCKS) {
  let table;
  try {
    table = readFileSync("/proc/locks", "utf8");
  } catch {
    return [];
  }
  const held = new Map(); // "major:minor:inode" → pid
  for (const line of table.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] === "->") continue; // "->" lines are waiters, not holders
    const pid = Number(f[4]);
    const [major, minor, inode] = f[5].split(":");
    if (!inode) continue;
    const key = `${parseInt(major, 16)}:${parseInt(minor, 16)}:${inode}`;
    if (!held.has(key)) held.set(key, pid);
  }
  const out = [];
  for (const path of paths) {
    let st;
    try {
      st = statSync(path, { bigint: true });
    } catch {
      continue;
    }
    const dev = st.dev;
    const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
    const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
    const pid = held.get(`${major}:${minor}:${st.ino}`);
    if (pid !== undefined) out.push({ path, pid, command: commandOf(pid) });
  }
  return out;
}

function commandOf(pid) {
  if (!(pid > 0)) return "a process of another namespace";
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return args || readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "a process that just ended";
  }
}

const describe = (h) => `${h.path} is held by ${h.command} (pid ${h.pid})`;

/**
 * Resolves once no process holds apt's locks; says once (and again when the holder changes) what it waits for.
 * Rejects with an AptError naming the holder after `timeoutS` seconds.
 */
export async function waitForAptLocks({ paths = APT_LOCKS, timeoutS = DEFAULT_LOCK_TIMEOUT_S, log = () => {}, pollMs = 1000, now = Date.now } = {}) {
  const deadline = now() + timeoutS * 1000;
  let said = "";
  for (;;) {
    const holders = lockHolders(paths);
    if (holders.length === 0) {
      if (said) log("the package manager is free: going on");
      return;
    }
    const what = describe(holders[0]);
    if (now() >= deadline) {
      throw new AptError(
        `apt is still busy after ${timeoutS} s: ${what}. Let it finish (or stop it), then run this again; ` +
          `GANTRY_APT_LOCK_TIMEOUT sets how many seconds to wait`,
      );
    }
    if (what !== said) {
      log(`waiting for another package manager: ${what} (giving up after ${Math.round((deadline - now()) / 1000)} s)`);
      said = what;
    }
    await new Promise((r) => setTimeout(r, Math.max(10, Math.min(pollMs, deadline - now()))));
  }
}

/** The lock timeout from the environment (seconds), or the default. */
export function lockTimeoutFrom(env = process.env) {
  const raw = env.GANTRY_APT_LOCK_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_LOCK_TIMEOUT_S;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new AptError(`GANTRY_APT_LOCK_TIMEOUT must be a whole number of seconds, got "${raw}"`);
  return n;
}

/** Debian packages of `packages` that are not installed. */
export function missingPackages(packages) {
  return packages.filter((pkg) => {
    const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
    return r.status !== 0 || !r.stdout.includes("install ok installed");
  });
}

export const POLICY_RC_D = "/usr/sbin/policy-rc.d";

/**
 * Runs `fn` while Debian's maintainer scripts may not start services: a policy-rc.d that exits 101 ("action
 * forbidden"), as invoke-rc.d and deb-systemd-invoke read it — so installing openssh-server for the tests does not
 * start the machine's own sshd on port 22. An existing policy-rc.d is left as it is (whoever put it there decides);
 * ours is removed afterwards, also when `fn` fails.
 */
export async function withoutServiceStarts(fn, { path = POLICY_RC_D } = {}) {
  if (existsSync(path)) return fn();
  writeFileSync(path, "#!/bin/sh\n# gantry setup: no service starts while it installs packages (removed afterwards)\nexit 101\n", { mode: 0o755 });
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * Installs `packages` with apt-get after waiting for the locks; apt-get itself also waits (DPkg::Lock::Timeout) for a
 * lock taken between the two. Throws an AptError when apt-get fails.
 */
export async function aptInstall(packages, { timeoutS = DEFAULT_LOCK_TIMEOUT_S, log = () => {}, cwd } = {}) {
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const remaining = () => String(Math.max(1, Math.round(timeoutS - (Date.now() - started) / 1000)));
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", ...packages]]) {
    await waitForAptLocks({ timeoutS: Number(remaining()), log });
    const r = spawnSync("apt-get", ["-o", `DPkg::Lock::Timeout=${remaining()}`, ...args], { stdio: "inherit", cwd, env });
    if (r.status !== 0) {
      const holder = lockHolders()[0];
      throw new AptError(`apt-get ${args[0]} failed (exit ${r.status ?? r.signal})${holder ? `: ${describe(holder)}` : ""}`);
    }
  }
}
