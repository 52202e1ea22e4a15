// What a build the agent did not see finish (it was killed) left behind, reaped when the agent starts: step containers
// under the builder's runtime root (stopped and deleted first), its snapshots (all named "build-…") and its scratch
// directory.
import { existsSync, promises as fsp } from "node:fs";
import type { RuntimeClient } from "../runtime/runtime";
import type { SnapshotService } from "../snapshots/types";

export async function reapBuildLeftovers(o: { runtime: RuntimeClient; snapshots: SnapshotService; scratchDir: string; log: (msg: string) => void }): Promise<void> {
  const { runtime, log } = o;
  try {
    for (const c of await runtime.list()) {
      log(`deleting build step container ${c.id} left by an interrupted build`);
      await runtime.delete(c.id, { force: true }).catch((e) => log(`  failed: ${(e as Error).message}`));
    }
  } catch (e) {
    if (existsSync(runtime.root)) log(`could not list build step containers: ${(e as Error).message}`);
  }
  try {
    for (const s of await o.snapshots.list()) {
      if (!s.id.startsWith("build-")) continue;
      log(`removing snapshot ${s.id} left by an interrupted build`);
      await o.snapshots.remove(s.id);
    }
  } catch (e) {
    log(`could not reap build snapshots: ${(e as Error).message}`);
  }
  await fsp.rm(o.scratchDir, { recursive: true, force: true });
}
