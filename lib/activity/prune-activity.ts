// Retention: activity rows older than GANTRY_AUDIT_RETENTION_DAYS (unset: kept for ever) are deleted from the start of
// the chain, in one turn of the chain's lock — only a prefix, so what remains is still one unbroken chain. The last
// pruned row's seq and hash are kept as an AuditCheckpoint (append-only) for `gantry audit verify` to start from, and
// the pruning itself is appended to the chain ("audit.prune", naming the checkpoint), so a checkpoint nobody announced
// is found out. Rows written before the chain existed go by age alone.
import { db } from "@/lib/db";
import { appendRowInTurn, takeChainTurn } from "./audit-chain";

export const PRUNE_ACTION = "audit.prune";

/** Days to keep, from GANTRY_AUDIT_RETENTION_DAYS; null keeps everything. Throws on a value that is not a whole number ≥ 1. */
export function auditRetentionDays(env: Record<string, string | undefined> = process.env): number | null {
  const raw = env.GANTRY_AUDIT_RETENTION_DAYS?.trim();
  if (!raw) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`GANTRY_AUDIT_RETENTION_DAYS must be a whole number of days ≥ 1 (got "${raw}")`);
  return n;
}

export async function pruneActivity(retentionDays: number, now = new Date()): Promise<{ pruned: number; checkpointSeq: number | null }> {
  const olderThan = new Date(now.getTime() - retentionDays * 86_400_000);
  return db.$transaction(async (tx) => {
    const head = await takeChainTurn(tx);
    const legacy = await tx.activityRecord.count({ where: { seq: null, at: { lt: olderThan } } });
    // The chain's prefix older than the cut: up to the row before the first one that is kept.
    const firstKept = await tx.activityRecord.findFirst({ where: { seq: { not: null }, at: { gte: olderThan } }, orderBy: { seq: "asc" }, select: { seq: true } });
    const last = await tx.activityRecord.findFirst({
      where: { seq: { not: null, ...(firstKept ? { lt: firstKept.seq! } : {}) } },
      orderBy: { seq: "desc" },
      select: { seq: true, hash: true },
    });
    await tx.$executeRaw`SELECT set_config('gantry.audit_prune', 'on', true)`;
    let pruned = 0;
    if (legacy) pruned += await tx.$executeRaw`DELETE FROM "ActivityRecord" WHERE seq IS NULL AND at < ${olderThan}`;
    if (!last?.seq || !last.hash) return { pruned, checkpointSeq: null };
    pruned += await tx.$executeRaw`DELETE FROM "ActivityRecord" WHERE seq <= ${last.seq}`;
    await tx.auditCheckpoint.create({ data: { seq: last.seq, hash: last.hash, pruned, olderThan } });
    await appendRowInTurn(tx, head, {
      userId: null,
      userEmail: null,
      tokenId: null,
      action: PRUNE_ACTION,
      target: null,
      outcome: "ok",
      ip: null,
      userAgent: null,
      details: { checkpoint: { seq: last.seq, hash: last.hash }, pruned, olderThan: olderThan.toISOString(), retentionDays, summary: { verb: "prune", object: `${pruned} activity records`, extra: `older than ${retentionDays} days (the chain now starts after seq ${last.seq})` } },
    });
    return { pruned, checkpointSeq: last.seq };
  });
}
