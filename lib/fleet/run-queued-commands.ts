// Runs a reconnected host's queued commands once each, in the order they were queued, recording each outcome. One
// drain per host at a time; a command interrupted by a new disconnect stays recorded as failed (never run twice).
import { db } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { HostCommand } from "@/lib/protocol/commands";
import { Prisma } from "@/lib/generated/prisma/client";
import { DEFAULT_DEADLINE_MS, HostOffline, dispatchCommand } from "./dispatch-command";

const draining = new Map<number, Promise<number>>();

/** Resolves with how many queued commands ran. */
export function runQueuedCommands(host: { id: number; name: string }, log: (msg: string) => void = () => {}): Promise<number> {
  const running = draining.get(host.id);
  if (running) return running.then(() => runQueuedCommands(host, log));
  const p = drain(host, log).finally(() => draining.delete(host.id));
  draining.set(host.id, p);
  return p;
}

async function drain(host: { id: number; name: string }, log: (msg: string) => void): Promise<number> {
  let ran = 0;
  for (;;) {
    const next = await db.queuedCommand.findFirst({ where: { hostId: host.id, status: "queued" }, orderBy: { seq: "asc" } });
    if (!next) return ran;
    // Claimed with a conditional update: a second control-plane process cannot run it too.
    const claimed = await db.queuedCommand.updateMany({ where: { id: next.id, status: "queued" }, data: { status: "running", startedAt: new Date() } });
    if (claimed.count === 0) continue;
    const parsed = HostCommand.safeParse(next.command);
    try {
      if (!parsed.success) throw new GantryError("bad_request", "the queued command is no longer valid");
      const result = await dispatchCommand(host, parsed.data, DEFAULT_DEADLINE_MS);
      await db.queuedCommand.update({
        where: { id: next.id },
        data: { status: "done", result: result === null || result === undefined ? Prisma.JsonNull : (result as Prisma.InputJsonValue), finishedAt: new Date() },
      });
    } catch (e) {
      if (e instanceof HostOffline) {
        // Never reached the agent: back in the queue, in its place.
        await db.queuedCommand.update({ where: { id: next.id }, data: { status: "queued", startedAt: null } });
        return ran;
      }
      const error = e instanceof GantryError ? { code: e.code, message: e.message } : { code: "internal", message: "the command failed" };
      await db.queuedCommand.update({ where: { id: next.id }, data: { status: "failed", error, finishedAt: new Date() } });
      log(`host ${host.id}: queued ${parsed.success ? parsed.data.kind : "command"} failed: ${error.message}`);
    }
    ran++;
  }
}
