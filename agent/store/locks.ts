// Two kinds of exclusion around one key (a digest, a ChainID):
//   - in-process: callers asking for the same key share one promise (a pull and a concurrent pull of the same
//     image download each blob once);
//   - across processes: a lock file created with O_EXCL holding the owner's pid. A lock whose pid is gone (an
//     agent killed mid-pull) is stale and taken over.
import { promises as fsp, constants as FS } from "node:fs";

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

/**
 * Holds `path` as a lock file while `fn` runs. When another live process holds it, waits (polling, bounded by
 * `timeoutMs`) and re-checks `done()` first: if the other process finished the work, fn is not run again.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, done: () => Promise<T | null>, timeoutMs = 30 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await fsp.open(path, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number((await fsp.readFile(path, "utf8").catch(() => "")).trim());
      if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) {
        await fsp.rm(path, { force: true });
        continue;
      }
      const finished = await done();
      if (finished !== null) return finished;
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${path} held by pid ${pid}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const finished = await done();
    if (finished !== null) return finished;
    return await fn();
  } finally {
    await fsp.rm(path, { force: true });
  }
}
