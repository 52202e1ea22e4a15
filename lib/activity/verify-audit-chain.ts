// Walks the audit chain from its start (or the last retention checkpoint) to its head and reports the first broken
// link: a row whose fields no longer match its hash (naming the fields, by the digests sealed with it), a row that no
// longer links to the one before, a gap in seq (rows deleted), rows missing after the last one (the head is beyond
// it), or an intent whose outcome or summary differs from its outcome rows. `gantry audit verify`,
// GET /api/v1/audit/verify and scripts/audit-verify.ts call it.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { GENESIS_HASH, SEALED_FIELDS, canonicalJson, fieldDigests, rowHash, sealedValues, type SealableRow } from "./audit-seal";
import { PENDING } from "./audit-chain";
import { PRUNE_ACTION } from "./prune-activity";

export interface ChainProblem {
  /** The row at fault (for a gap: the first row after it). Null when the rows past the last one are missing. */
  id: number | null;
  seq: number | null;
  problem: "altered" | "unlinked" | "gap" | "missing-tail" | "view-altered" | "checkpoint";
  message: string;
  /** The fields that differ from what was sealed, when they can be told. */
  fields?: string[];
}

export interface ChainReport {
  ok: boolean;
  /** Sealed rows checked. */
  checked: number;
  /** The chain starts after this seq (0, or a retention checkpoint's). */
  from: number;
  head: { seq: number; hash: string };
  /** Rows written before the chain existed (not covered). */
  unsealed: number;
  /** The first few problems, in chain order; problems[0] is the first broken link. */
  problems: ChainProblem[];
}

const PAGE = 2000;
const MAX_PROBLEMS = 20;

type Row = SealableRow & { prevHash: string | null; hash: string | null; seal: unknown };

export async function verifyAuditChain(actor: Actor | null): Promise<ChainReport> {
  if (actor) authorize(actor, "activity.read");
  const checkpoint = await db.auditCheckpoint.findFirst({ orderBy: { seq: "desc" } });
  const head = await db.auditChainHead.findUnique({ where: { id: 1 } });
  if (!head) throw new Error("the audit chain has no head row");
  const unsealed = await db.activityRecord.count({ where: { seq: null } });
  const from = checkpoint?.seq ?? 0;
  let prev = { seq: from, hash: checkpoint?.hash ?? GENESIS_HASH, id: null as number | null };
  const problems: ChainProblem[] = [];
  const note = (p: ChainProblem) => void (problems.length < MAX_PROBLEMS && problems.push(p));
  let checked = 0;

  for (;;) {
    const rows: Row[] = await db.activityRecord.findMany({ where: { seq: { gt: prev.seq } }, orderBy: { seq: "asc" }, take: PAGE });
    if (rows.length === 0) break;
    const outcomes = await outcomeRowsOf(rows.filter((r) => r.completes === null).map((r) => r.id));
    for (const row of rows) {
      checked++;
      const seq = row.seq!;
      if (seq !== prev.seq + 1) {
        const n = seq - prev.seq - 1;
        note({
          id: row.id,
          seq,
          problem: "gap",
          message: `${n} row${n === 1 ? "" : "s"} deleted: seq ${prev.seq + 1}${n > 1 ? `–${seq - 1}` : ""} missing between ${prev.id === null ? "the chain's start" : `row ${prev.id}`} and row ${row.id}`,
        });
      } else if (row.prevHash !== prev.hash) {
        note({ id: row.id, seq, problem: "unlinked", message: `row ${row.id} (seq ${seq}) does not link to the row before it: its prevHash was changed` });
      }
      const mine = outcomes.get(row.id);
      // An intent with outcome rows was sealed pending and without a summary; its view must match those rows.
      const values = sealedValues(row, mine ? { outcome: PENDING } : undefined);
      if (row.hash !== rowHash(row.prevHash ?? "", values)) {
        const fields = changedFields(row, values);
        note({
          id: row.id,
          seq,
          problem: "altered",
          fields,
          message: fields.length
            ? `row ${row.id} (seq ${seq}) was altered after it was sealed: ${fields.join(", ")} changed`
            : `row ${row.id} (seq ${seq}) does not match its hash: its hash or seal was rewritten`,
        });
      }
      if (mine) {
        const expected = mine[0]!.outcome;
        const lastSummary = [...mine].reverse().find((o) => hasSummary(o.details));
        const details = (row.details ?? {}) as Record<string, unknown>;
        if (row.outcome !== expected) {
          note({ id: row.id, seq, problem: "view-altered", fields: ["outcome"], message: `row ${row.id} (seq ${seq}) reads outcome "${row.outcome}" but its outcome row ${mine[0]!.id} says "${expected}"` });
        } else if (canonicalJson(details.summary) !== canonicalJson(lastSummary ? (lastSummary.details as Record<string, unknown>).summary : undefined)) {
          note({ id: row.id, seq, problem: "view-altered", fields: ["details.summary"], message: `row ${row.id} (seq ${seq}) has a summary its outcome rows do not give` });
        }
      }
      // Follow the chain as written, so one altered row is reported once and not as a break of every later link.
      prev = { seq, hash: row.hash ?? "", id: row.id };
    }
  }
  if (checkpoint) {
    // A checkpoint is the chain's word only if the pruning that left it is in the chain after it.
    const announced = await db.activityRecord.findFirst({ where: { action: PRUNE_ACTION, seq: { gt: checkpoint.seq } }, orderBy: { seq: "asc" } });
    const said = (announced?.details as { checkpoint?: { seq?: number; hash?: string } } | null)?.checkpoint;
    if (said?.seq !== checkpoint.seq || said?.hash !== checkpoint.hash) {
      problems.unshift({ id: null, seq: checkpoint.seq, problem: "checkpoint", message: `the chain starts at a checkpoint (seq ${checkpoint.seq}) that no retention pruning in the chain left` });
    }
  }
  if (head.seq > prev.seq) {
    const n = head.seq - prev.seq;
    note({ id: null, seq: prev.seq + 1, problem: "missing-tail", message: `${n} row${n === 1 ? "" : "s"} after ${prev.id === null ? "the chain's start" : `row ${prev.id}`} deleted: the chain's head is at seq ${head.seq}` });
  } else if (head.seq === prev.seq && head.hash !== prev.hash) {
    note({ id: prev.id, seq: prev.seq, problem: "altered", message: `the last row ${prev.id} is not the one the chain's head sealed` });
  }
  return { ok: problems.length === 0, checked, from, head: { seq: head.seq, hash: head.hash }, unsealed, problems };
}

async function outcomeRowsOf(ids: number[]): Promise<Map<number, Array<{ id: number; outcome: string; details: unknown }>>> {
  const map = new Map<number, Array<{ id: number; outcome: string; details: unknown }>>();
  if (ids.length === 0) return map;
  const rows = await db.activityRecord.findMany({
    where: { completes: { in: ids }, seq: { not: null } },
    orderBy: { seq: "asc" },
    select: { id: true, completes: true, outcome: true, details: true },
  });
  for (const r of rows) {
    const list = map.get(r.completes!) ?? [];
    list.push(r);
    map.set(r.completes!, list);
  }
  return map;
}

const hasSummary = (d: unknown) => !!d && typeof d === "object" && "summary" in d;

/** The fields whose digest differs from the one sealed with the row (none known if the seal itself is gone). */
function changedFields(row: Row, values: ReturnType<typeof sealedValues>): string[] {
  const sealed = row.seal as Record<string, string> | null;
  if (!sealed || typeof sealed !== "object") return [];
  const now = fieldDigests(values);
  return SEALED_FIELDS.filter((f) => sealed[f] !== now[f]);
}
