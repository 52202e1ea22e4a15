// Appending to the audit chain: one transaction per row that locks the chain's head (one row, "AuditChainHead"), so
// every writer — this process's, and any other control plane on the same database — takes its turn and the chain
// never forks. The row is inserted with the next seq and the head's hash as its prevHash, then sealed with its own
// hash computed from the row as Postgres returned it (so what is hashed is exactly what a verifier reads back), and the
// head moves to it. A mutation's outcome is appended the same way as a row of its own (`completes`), and the intent's
// view (its outcome, its details.summary) is updated in the same turn — the one change the database lets through.
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { serverContext } from "@/lib/server-context";
import { fieldDigests, rowHash, sealedValues, type SealableRow } from "./audit-seal";

export const PENDING = "pending";

type Tx = Prisma.TransactionClient;

export interface ActivityRowData {
  userId: string | null;
  userEmail: string | null;
  tokenId: string | null;
  action: string;
  target: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  details?: Prisma.InputJsonValue;
  completes?: number | null;
}

/** Takes the chain's turn: the head's seq and hash, locked until the transaction ends. */
export async function takeChainTurn(tx: Tx): Promise<{ seq: number; hash: string }> {
  return lockHead(tx);
}

/** Appends a row inside a transaction that holds the chain's turn (retention pruning's own record). */
export async function appendRowInTurn(tx: Tx, head: { seq: number; hash: string }, data: ActivityRowData): Promise<number> {
  return (await appendRow(tx, head, data)).id;
}

async function lockHead(tx: Tx): Promise<{ seq: number; hash: string }> {
  const rows = await tx.$queryRaw<Array<{ seq: number; hash: string }>>`SELECT seq, hash FROM "AuditChainHead" WHERE id = 1 FOR UPDATE`;
  if (!rows[0]) throw new Error("the audit chain has no head row (migration 20261210120000_audit_chain not applied?)");
  return rows[0];
}

async function appendRow(tx: Tx, head: { seq: number; hash: string }, data: ActivityRowData): Promise<SealableRow & { hash: string }> {
  const seq = head.seq + 1;
  const row = await tx.activityRecord.create({
    data: { ...data, details: data.details, at: new Date(), seq, prevHash: head.hash },
  });
  const values = sealedValues(row);
  const hash = rowHash(head.hash, values);
  await tx.activityRecord.update({ where: { id: row.id }, data: { hash, seal: fieldDigests(values) }, select: { id: true } });
  await tx.$executeRaw`UPDATE "AuditChainHead" SET seq = ${seq}, hash = ${hash} WHERE id = 1`;
  head.seq = seq;
  head.hash = hash;
  return { ...row, hash };
}

/** Appends one sealed row; returns its id. */
export async function appendActivity(data: ActivityRowData): Promise<number> {
  // An intent is sealed as written: pending, and no summary (that comes with its outcome).
  const details = data.outcome === PENDING ? withoutSummary(data.details) : data.details;
  const row = await db.$transaction(async (tx) => appendRow(tx, await lockHead(tx), { ...data, details }));
  announce(row);
  return row.id;
}

/**
 * An intent ended: its outcome row is appended and the intent shows it. Only an intent still pending takes the outcome
 * (a settled claim may have said first); a summary given is recorded either way. Rows from before the chain are
 * updated as they always were.
 */
export async function completeIntent(id: number, outcome: string, summary?: Prisma.InputJsonValue): Promise<void> {
  const done = await db.$transaction(async (tx) => {
    const head = await lockHead(tx);
    const intent = await tx.activityRecord.findUnique({ where: { id } });
    if (!intent) return null;
    const details = intent.details && typeof intent.details === "object" && !Array.isArray(intent.details) ? (intent.details as Prisma.JsonObject) : {};
    if (intent.seq === null) {
      await tx.activityRecord.updateMany({ where: { id, outcome: PENDING }, data: { outcome } });
      if (summary !== undefined) await tx.activityRecord.update({ where: { id }, data: { details: { ...details, summary } }, select: { id: true } });
      return null;
    }
    const pending = intent.outcome === PENDING;
    // Only intents have outcome rows: a row written whole (or already completed with nothing new) is left as it is.
    if (!pending && (summary === undefined || (await tx.activityRecord.count({ where: { completes: id } })) === 0)) return null;
    const settled = pending ? outcome : intent.outcome;
    const row = await appendRow(tx, head, {
      userId: intent.userId,
      userEmail: intent.userEmail,
      tokenId: intent.tokenId,
      action: intent.action,
      target: intent.target,
      outcome: settled,
      ip: intent.ip,
      userAgent: intent.userAgent,
      details: summary === undefined ? {} : { summary },
      completes: id,
    });
    await tx.activityRecord.update({
      where: { id },
      data: { outcome: settled, ...(summary === undefined ? {} : { details: { ...details, summary } }) },
      select: { id: true },
    });
    return { ...row, view: { ...intent, outcome: settled, details: summary === undefined ? intent.details : { ...details, summary } } };
  });
  if (done) announce(done.view);
}

function withoutSummary(details: Prisma.InputJsonValue | undefined): Prisma.InputJsonValue | undefined {
  if (!details || typeof details !== "object" || Array.isArray(details) || !("summary" in details)) return details;
  const { summary: _summary, ...rest } = details as Record<string, Prisma.InputJsonValue>;
  return rest;
}

/** The live tail (the "activity" room, activity.read): a row as written or as its intent now reads. */
function announce(row: SealableRow): void {
  if (row.completes !== null) return;
  serverContext.maybe()?.publisher.publish("activity", "activity", { id: row.id });
}
