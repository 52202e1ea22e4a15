// This control-plane process, as its idempotency claims name it: a claim still "running" under another process's name
// lost its owner (crashed, or the host's agent moved to this process) and is settled by asking the host
// (lib/fleet/settle-claim.ts). Kept on globalThis: route handlers (Next's bundle) and the agent gateway (the server's
// own modules) are different module instances of this file in one process.
import { randomUUID } from "node:crypto";

const KEY = Symbol.for("gantry.control-plane-instance");
const store = globalThis as unknown as { [KEY]?: string };

export function controlPlaneInstance(): string {
  return (store[KEY] ??= randomUUID());
}
