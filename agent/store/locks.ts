// Two kinds of exclusion around one key (a digest, a ChainID):
//   - in-process: callers asking for the same key share one promise (a pull and a concurrent pull of the same
//     image download each blob once);
//   - across processes: a lock file holding the owner's pid and its start time, linked into place whole (never seen
//     empty). A lock whose process is gone (an agent killed mid-pull; a pid reused after a reboot) is stale and
//     taken over.
// And one for the store as a whole: pulls, pushes and imports share it, garbage collection takes it alone.
import { randomBytes } from "node:crypto";
import { readFileSync, promises as fsp } from "node:fs";

export class SingleFlight<T> {
  private inflight = new Map<string, Promise<T>>();
  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}

/** True while process `pid` exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The process's start time in clock ticks since boot (/proc/PID/stat field 22), "" if unknown. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

/** "PID STARTTIME": who holds a lock, precisely enough to tell a reused pid apart. */
export function lockOwner(pid = process.pid): string {
  return `${pid} ${startTime(pid)}`;
}

/** Whether the owner written by lockOwner() is still that same running process. */
export function ownerAlive(owner: string): boolean {
  const [pidText, started] = owner.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  return !started || startTime(pid) === "" || startTime(pid) === started;
}

/** Many readers or one writer, in-process; writers wait for readers to drain and block new ones. */
export class SharedLock {
  private readers = 0;
  private writer = false;
  private waiting: (() => void)[] = [];

  private wake() {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.writer) await new Promise<void>((r) => this.waiting.push(r));
    this.readers++;
    try {
      return await fn();
    } finally {
      this.readers--;
      this.wake();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.writer) await new Promise<void>((r) => this.waiting.push(r));
    this.writer = true;
    try {
      while (this.readers > 0) await new Promise<void>((r) => this.waiting.push(r));
      return await fn();
    } finally {
      this.writer = false;
      this.wake();
    }
  }
}

/**
 * Holds `path` as a lock file while `fn` runs. When another live process holds it, waits (polling, bounded by
 * `timeoutMs`) and re-checks `done()` first: if the other process finished the work, fn is not run again.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, done: () => Promise<T | null>, timeoutMs = 30 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await createLock(path)) break;
    const owner = await fsp.readFile(path, "utf8").catch(() => null);
    if (owner === null) continue; // released meanwhile
    if (!ownerAlive(owner) && (await removeStale(path, owner))) continue;
    const finished = await done();
    if (finished !== null) return finished;
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${path} held by pid ${owner.split(" ")[0]}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    const finished = await done();
    if (finished !== null) return finished;
    return await fn();
  } finally {
    await fsp.rm(path, { force: true });
  }
}

/**
 * Creates lock file `path` holding this process as its owner, or answers false when it exists. The file appears with
 * its content (written aside, then hard-linked into place), so no other process ever reads an empty lock and takes it
 * for a dead one.
 */
async function createLock(path: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await fsp.writeFile(aside, lockOwner(), { mode: 0o600, flag: "wx" });
  try {
    await fsp.link(aside, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return false;
  } finally {
    await fsp.rm(aside, { force: true });
  }
}

/**
 * Removes the lock at `path` held by `owner`, a dead process — and only that one: the file is first renamed aside
 * (one taker wins), and put back when it turns out to be a live owner's that replaced the dead one meanwhile.
 */
async function removeStale(path: string, owner: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await fsp.rename(path, aside);
  } catch {
    return true; // gone already: try again
  }
  const taken = await fsp.readFile(aside, "utf8").catch(() => owner);
  if (taken !== owner && ownerAlive(taken)) await fsp.link(aside, path).catch(() => {});
  await fsp.rm(aside, { force: true });
  return true;
}
