// Runs a command on a host: validated, deduplicated by idempotency key, refused or queued when the host is offline, and
// bounded by a deadline. A key belongs to one actor, one host and one command kind, and is honoured for mutations only
// (a read is safe to repeat, and must neither see nor take a mutation's key). The same key within 24 h gets the first
// outcome again; a claim whose sender died is settled by asking the host (lib/fleet/settle-claim.ts).
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { badRequest, conflict, GantryError, type ErrorCode } from "@/lib/errors";
import { getHostOrThrow } from "@/lib/hosts/get-host-or-throw";
import { describeZodError } from "@/lib/protocol";
import { HostCommand } from "@/lib/protocol/commands";
import { Prisma, type CommandResult } from "@/lib/generated/prisma/client";
import type { CommandOptions, CommandOutcome } from "./commands";
import { DEFAULT_DEADLINE_MS, HostOffline, OutcomeUnknown, agentSocket, dispatchCommand } from "./dispatch-command";
import { READ_ONLY_KINDS, withCommandLabel } from "./command-label";
import { controlPlaneInstance } from "./instance";
import { runVerdictAt, settleClaim } from "./settle-claim";

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;
const MAX_DEADLINE_MS = 10 * 60_000;
const KEY_RE = /^[\x21-\x7e]{1,128}$/;

/** Whose key it is: the unique scope of a claim. */
type KeyScope = { hostId: number; actorKey: string; kind: string; idempotencyKey: string };
type Host = { id: number; name: string };

export async function sendCommand(hostId: number, input: HostCommand, opts: CommandOptions): Promise<CommandOutcome> {
  const parsed = HostCommand.safeParse(input);
  if (!parsed.success) throw badRequest(`invalid command: ${describeZodError(parsed.error)}`);
  const command = parsed.data;
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1 || deadlineMs > MAX_DEADLINE_MS) {
    throw badRequest(`the deadline must be between 1 ms and ${MAX_DEADLINE_MS / 60_000} minutes`);
  }
  if (opts.idempotencyKey !== undefined && !KEY_RE.test(opts.idempotencyKey)) {
    throw badRequest("an idempotency key is 1 to 128 printable ASCII characters without spaces");
  }
  const key = READ_ONLY_KINDS.has(command.kind) ? undefined : opts.idempotencyKey;

  const host = await getHostOrThrow(hostId);
  if (host.revoked) throw conflict(`host ${host.id} (${host.name}) was revoked: it takes no commands`);

  const scope: KeyScope | null = key === undefined ? null : { hostId: host.id, actorKey: opts.actorId ?? "", kind: command.kind, idempotencyKey: key };
  let takeover: CommandResult | null = null;
  if (scope) {
    const state = await keyState(host, scope, opts.actorId);
    if ("outcome" in state) return state.outcome;
    takeover = state.takeover;
  }

  if (!agentSocket(host.id)) {
    if (!opts.queueIfOffline) throw new HostOffline(host.id, host.name, command.kind);
    const queued = await db.queuedCommand.create({
      data: { hostId: host.id, command: command as Prisma.InputJsonValue, actorId: opts.actorId, idempotencyKey: key ?? null },
      select: { id: true },
    });
    return { status: "queued", queuedCommandId: queued.id };
  }

  if (!scope) return { status: "done", result: await dispatchCommand(host, command, deadlineMs) };

  // The key is claimed before the command runs, so two callers racing with one key run it once. The claim names the
  // request the agent is sent (a run carries it as a label), its deadline and this process: what settles it if we die.
  const commandId = randomUUID();
  const claimData = {
    status: "running" as const,
    actorId: opts.actorId,
    commandId,
    deadlineAt: new Date(Date.now() + deadlineMs),
    instanceId: controlPlaneInstance(),
    activityId: opts.activityId ?? null,
  };
  let claimId: string;
  try {
    claimId = takeover
      ? await takeOver(takeover, claimData)
      : (await db.commandResult.create({ data: { ...scope, ...claimData }, select: { id: true } })).id;
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      // Someone claimed it between our look and our claim: theirs is the first outcome.
      const state = await keyState(host, scope, opts.actorId);
      if ("outcome" in state) return state.outcome;
      throw stillRunning(scope, host);
    }
    throw e;
  }

  try {
    const result = await dispatchCommand(host, withCommandLabel(command, commandId), deadlineMs, commandId);
    await finish(claimId, commandId, { status: "done", result: toJson(result), error: Prisma.JsonNull });
    return { status: "done", result };
  } catch (e) {
    if (e instanceof HostOffline) {
      // Not sent at all: the key is free again.
      await db.commandResult.deleteMany({ where: { id: claimId, commandId } });
    } else {
      const error = e instanceof GantryError ? { code: e.code, message: e.message } : { code: "internal", message: "the command failed" };
      // No answer is not a failure: the next request with the key asks the host what happened.
      await finish(claimId, commandId, { status: e instanceof OutcomeUnknown ? "unknown" : "failed", error });
    }
    throw e;
  }
}

type KeyState = { outcome: CommandOutcome } | { takeover: CommandResult | null };

/** What the key already stands for: an outcome to answer with, or a claim to take over (null: no claim at all). */
async function keyState(host: Host, scope: KeyScope, actorId: string | null): Promise<KeyState> {
  const since = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS);
  const queued = await db.queuedCommand.findFirst({
    where: { hostId: host.id, actorId, idempotencyKey: scope.idempotencyKey, command: { path: ["kind"], equals: scope.kind }, createdAt: { gte: since } },
    orderBy: { seq: "asc" },
    select: { id: true, status: true, result: true, error: true },
  });
  if (queued?.status === "queued" || queued?.status === "running") return { outcome: { status: "queued", queuedCommandId: queued.id } };
  if (queued) return replay(queued.status, queued.result, queued.error);

  const found = await db.commandResult.findUnique({ where: { hostId_actorKey_kind_idempotencyKey: scope } });
  if (!found) return { takeover: null };
  if (found.createdAt < since) {
    // An expired claim must not block the key.
    await db.commandResult.deleteMany({ where: { id: found.id, createdAt: { lt: since } } });
    return { takeover: null };
  }
  const row = await settleClaim(found, host);
  if (row.status === "done" || row.status === "failed") return replay(row.status, row.result, row.error);
  if (row.status === "running") throw stillRunning(scope, host);
  // Unknown: a run the host may still report (asked again after its deadline), or one it cannot tell about — run it.
  if (row.kind === "container.run" && row.commandId) {
    const wait = Math.ceil(Math.max(1_000, runVerdictAt(row) - Date.now()) / 1000);
    if (!agentSocket(host.id)) {
      throw conflict(`host ${host.id} (${host.name}) is offline: whether the first ${row.kind} with idempotency key "${scope.idempotencyKey}" ran is known once it is back`);
    }
    throw conflict(`the first ${row.kind} with idempotency key "${scope.idempotencyKey}" is being confirmed with host ${host.id}; ask again in ${wait} s`);
  }
  return { takeover: row };
}

function replay(status: string, result: Prisma.JsonValue | null, error: Prisma.JsonValue | null): KeyState {
  if (status === "done") return { outcome: { status: "done", result: result ?? null } };
  const err = (error ?? {}) as { code?: ErrorCode; message?: string };
  throw new GantryError(err.code ?? "internal", err.message ?? "the command failed");
}

const stillRunning = (scope: KeyScope, host: Host) =>
  conflict(`a command with idempotency key "${scope.idempotencyKey}" is still running on host ${host.id}; ask again when it is done`);

/** Claims a key whose earlier command's outcome is unknown (it runs again); someone quicker makes this a conflict. */
async function takeOver(row: CommandResult, data: Prisma.CommandResultUpdateManyMutationInput): Promise<string> {
  const taken = await db.commandResult.updateMany({
    where: { id: row.id, status: "unknown", commandId: row.commandId },
    data: { ...data, result: Prisma.JsonNull, error: Prisma.JsonNull, createdAt: new Date(), finishedAt: null },
  });
  if (taken.count === 0) throw conflict(`a command with idempotency key "${row.idempotencyKey}" is already being run again on host ${row.hostId}; ask again when it is done`);
  return row.id;
}

/** Records the outcome on our claim, unless it was settled meanwhile (it no longer names our request). */
async function finish(id: string, commandId: string, data: Prisma.CommandResultUpdateManyMutationInput): Promise<void> {
  await db.commandResult.updateMany({ where: { id, commandId, status: "running" }, data: { ...data, finishedAt: new Date() } });
}

function toJson(v: unknown): Prisma.InputJsonValue | typeof Prisma.JsonNull {
  return v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue);
}
