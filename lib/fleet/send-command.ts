// Runs a command on a host: validated, deduplicated by idempotency key (24 h, per host), refused or queued when the
// host is offline, and bounded by a deadline.
import { db } from "@/lib/db";
import { badRequest, conflict, GantryError, type ErrorCode } from "@/lib/errors";
import { getHostOrThrow } from "@/lib/hosts/get-host-or-throw";
import { describeZodError } from "@/lib/protocol";
import { HostCommand } from "@/lib/protocol/commands";
import { Prisma } from "@/lib/generated/prisma/client";
import type { CommandOptions, CommandOutcome } from "./commands";
import { DEFAULT_DEADLINE_MS, HostOffline, agentSocket, dispatchCommand } from "./dispatch-command";

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;
const MAX_DEADLINE_MS = 10 * 60_000;
const KEY_RE = /^[\x21-\x7e]{1,128}$/;

export async function sendCommand(hostId: number, input: HostCommand, opts: CommandOptions): Promise<CommandOutcome> {
  const parsed = HostCommand.safeParse(input);
  if (!parsed.success) throw badRequest(`invalid command: ${describeZodError(parsed.error)}`);
  const command = parsed.data;
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1 || deadlineMs > MAX_DEADLINE_MS) {
    throw badRequest(`the deadline must be between 1 ms and ${MAX_DEADLINE_MS / 60_000} minutes`);
  }
  const key = opts.idempotencyKey;
  if (key !== undefined && !KEY_RE.test(key)) throw badRequest("an idempotency key is 1 to 128 printable ASCII characters without spaces");

  const host = await getHostOrThrow(hostId);
  if (host.revoked) throw conflict(`host ${host.id} (${host.name}) was revoked: it takes no commands`);

  if (key !== undefined) {
    const first = await firstOutcome(host.id, key);
    if (first) return first;
  }

  if (!agentSocket(host.id)) {
    if (!opts.queueIfOffline) throw new HostOffline(host.id, host.name, command.kind);
    const queued = await db.queuedCommand.create({
      data: { hostId: host.id, command: command as Prisma.InputJsonValue, actorId: opts.actorId, idempotencyKey: key ?? null },
      select: { id: true },
    });
    return { status: "queued", queuedCommandId: queued.id };
  }

  if (key === undefined) return { status: "done", result: await dispatchCommand(host, command, deadlineMs) };

  // The key is claimed before the command runs, so two callers racing with one key run it once.
  let claim: { id: string };
  try {
    claim = await db.commandResult.create({ data: { hostId: host.id, idempotencyKey: key, kind: command.kind, actorId: opts.actorId }, select: { id: true } });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      const first = await firstOutcome(host.id, key);
      if (first) return first;
    }
    throw e;
  }
  try {
    const result = await dispatchCommand(host, command, deadlineMs);
    await db.commandResult.update({ where: { id: claim.id }, data: { status: "done", result: toJson(result), finishedAt: new Date() } });
    return { status: "done", result };
  } catch (e) {
    if (e instanceof HostOffline) {
      // Not sent at all: the key is free again.
      await db.commandResult.delete({ where: { id: claim.id } });
    } else {
      const error = e instanceof GantryError ? { code: e.code, message: e.message } : { code: "internal", message: "the command failed" };
      await db.commandResult.update({ where: { id: claim.id }, data: { status: "failed", error, finishedAt: new Date() } });
    }
    throw e;
  }
}

/** What the first command with this key on this host came to, or null if there was none in the last 24 h. */
async function firstOutcome(hostId: number, key: string): Promise<CommandOutcome | null> {
  const since = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS);
  const queued = await db.queuedCommand.findFirst({
    where: { hostId, idempotencyKey: key, createdAt: { gte: since } },
    orderBy: { seq: "asc" },
    select: { id: true, status: true, result: true, error: true },
  });
  if (queued?.status === "queued" || queued?.status === "running") return { status: "queued", queuedCommandId: queued.id };
  const row = queued ?? (await db.commandResult.findFirst({ where: { hostId, idempotencyKey: key, createdAt: { gte: since } } }));
  if (!row) {
    // An expired claim must not block the key.
    await db.commandResult.deleteMany({ where: { hostId, idempotencyKey: key, createdAt: { lt: since } } });
    return null;
  }
  if (row.status === "done") return { status: "done", result: row.result ?? null };
  if (row.status === "failed") {
    const err = (row.error ?? {}) as { code?: ErrorCode; message?: string };
    throw new GantryError(err.code ?? "internal", err.message ?? "the command failed");
  }
  throw conflict(`a command with idempotency key "${key}" is still running on host ${hostId}; ask again when it is done`);
}

function toJson(v: unknown): Prisma.InputJsonValue | typeof Prisma.JsonNull {
  return v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue);
}
