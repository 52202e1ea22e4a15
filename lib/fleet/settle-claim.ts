// Settles idempotency claims whose sender can no longer answer: the control plane that sent the command died, or the
// host's agent moved to another control plane, or no answer came before the deadline. Such a claim becomes "unknown",
// and then the host is asked what happened where it can tell: a container run carries its request id as a label
// (lib/fleet/command-label.ts), so a run that happened is found and its claim is "done" with that container; a run
// that is not there once its deadline has passed (after which the agent starts nothing) did not happen, and the key
// is free to run it. Other kinds leave no such trace: their claims stay "unknown" and the next request with the key
// runs them again (start, stop, kill, pause, remove and tag are safe to repeat). The activity row of the request that
// made the claim gets the verdict: "ok", "not_run" or "unknown".
import { db } from "@/lib/db";
import { ContainerSummary } from "@/lib/protocol/commands";
import { completeActivity } from "@/lib/activity/record-request-activity";
import { Prisma, type CommandResult } from "@/lib/generated/prisma/client";
import { COMMAND_LABEL } from "./command-label";
import { agentSocket, dispatchCommand } from "./dispatch-command";
import { controlPlaneInstance } from "./instance";

/** After a claim's deadline, how long before a run missing from its host counts as not run (its create has ended). */
export const SETTLE_GRACE_MS = 5_000;

type Host = { id: number; name: string };

const settling = Symbol.for("gantry.settling-claims");
const inFlight = ((globalThis as unknown as { [settling]?: Map<string, Promise<CommandResult>> })[settling] ??= new Map());

/** Whether a running claim has lost its sender. */
export function isOrphaned(row: CommandResult, now = Date.now()): boolean {
  if (row.status !== "running") return false;
  if (row.deadlineAt && now > row.deadlineAt.getTime() + SETTLE_GRACE_MS) return true;
  // Sent by another process through a connection the host has since left for this one: that sender will hear nothing.
  return row.instanceId !== controlPlaneInstance() && agentSocket(row.hostId) !== null;
}

/** The earliest time a run claim's "not run" verdict may be given. */
export function runVerdictAt(row: CommandResult): number {
  return (row.deadlineAt?.getTime() ?? row.createdAt.getTime()) + SETTLE_GRACE_MS;
}

/** The claim as settled as it can be now (one settlement per claim at a time in this process). */
export function settleClaim(row: CommandResult, host: Host): Promise<CommandResult> {
  if (row.status !== "running" && row.status !== "unknown") return Promise.resolve(row);
  const running = inFlight.get(row.id);
  if (running) return running;
  const p = settle(row, host).finally(() => inFlight.delete(row.id));
  inFlight.set(row.id, p);
  return p;
}

async function settle(row: CommandResult, host: Host): Promise<CommandResult> {
  let current = row;
  if (isOrphaned(current)) {
    const error = { code: "unavailable", message: `the control plane that sent ${current.kind} to host ${host.id} stopped before the host answered` };
    current = (await conditionalUpdate(current, { status: "unknown", error, finishedAt: new Date() })) ?? (await reread(current));
    if (current.status === "unknown" && current.activityId !== null && current.kind !== "container.run") await completeActivity(current.activityId, "unknown");
  }
  if (current.status !== "unknown" || current.kind !== "container.run" || !current.commandId || !agentSocket(host.id)) return current;

  const found = await findRun(host, current.commandId);
  if (found) {
    const result = { id: found.id, warnings: [], container: found };
    const done = await conditionalUpdate(current, { status: "done", result: result as Prisma.InputJsonValue, error: Prisma.JsonNull, finishedAt: new Date() });
    if (done?.activityId != null) await completeActivity(done.activityId, "ok");
    return done ?? reread(current);
  }
  if (Date.now() < runVerdictAt(current)) return current;
  // Not there after its deadline: it did not run. The key stays "unknown" with no request id: the next request runs it.
  const error = { code: "unavailable", message: `${current.kind} did not reach host ${host.id} before the control plane that sent it stopped` };
  const notRun = await conditionalUpdate(current, { commandId: null, error, finishedAt: new Date() });
  if (notRun?.activityId != null) await completeActivity(notRun.activityId, "not_run");
  return notRun ?? reread(current);
}

/** Settles every claim of a host whose sender is gone (on the agent's hello, and from the status sweep). */
export async function settleHostClaims(host: Host, log: (msg: string) => void = () => {}): Promise<void> {
  const rows = await db.commandResult.findMany({ where: { hostId: host.id, status: { in: ["running", "unknown"] } } });
  let recheckAt = Infinity;
  for (const row of rows) {
    if (row.status === "running" && !isOrphaned(row)) continue;
    if (row.status === "unknown" && (row.kind !== "container.run" || !row.commandId)) continue;
    const settled = await settleClaim(row, host).catch((e) => {
      log(`host ${host.id}: settling the ${row.kind} claim ${row.id} failed: ${(e as Error).message}`);
      return row;
    });
    if (settled.status === "unknown" && settled.kind === "container.run" && settled.commandId) recheckAt = Math.min(recheckAt, runVerdictAt(settled));
  }
  // A run not found before its verdict time is asked about again then, while the host stays here.
  if (recheckAt !== Infinity) {
    const timer = setTimeout(() => {
      if (agentSocket(host.id)) void settleHostClaims(host, log).catch(() => {});
    }, Math.max(0, recheckAt - Date.now()) + 100);
    timer.unref?.();
  }
}

/** Running claims past their deadline whose sender never recorded an outcome (a crash), on any host. */
export async function settleExpiredClaims(log: (msg: string) => void = () => {}): Promise<void> {
  const rows = await db.commandResult.findMany({
    where: { status: "running", deadlineAt: { lt: new Date(Date.now() - SETTLE_GRACE_MS) } },
    select: { hostId: true },
    distinct: ["hostId"],
  });
  for (const { hostId } of rows) {
    const host = await db.host.findUnique({ where: { id: hostId }, select: { id: true, name: true } });
    if (host) await settleHostClaims(host, log);
  }
}

async function findRun(host: Host, commandId: string): Promise<ContainerSummary | null> {
  const listed = ContainerSummary.array().safeParse(await dispatchCommand(host, { kind: "container.list", all: true }));
  if (!listed.success) throw new Error(`host ${host.id} sent a malformed container list`);
  return listed.data.find((c) => c.labels[COMMAND_LABEL] === commandId) ?? null;
}

/** Updates the claim only if nobody changed it since `row` was read; the new row, or null. */
async function conditionalUpdate(row: CommandResult, data: Prisma.CommandResultUpdateManyMutationInput): Promise<CommandResult | null> {
  const rows = await db.commandResult.updateManyAndReturn({
    where: { id: row.id, status: row.status, commandId: row.commandId, instanceId: row.instanceId },
    data,
  });
  return rows[0] ?? null;
}

async function reread(row: CommandResult): Promise<CommandResult> {
  return (await db.commandResult.findUnique({ where: { id: row.id } })) ?? { ...row, status: "unknown", commandId: null };
}
