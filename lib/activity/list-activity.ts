// One page of the activity record, newest first, filtered by who, action (or action prefix "containers."), target,
// outcome and time (lib/activity/activity-where.ts), each row with its sentence ("ana@example.com stopped container colors on host web-1").
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import type { ActivityView, ListActivityQuery } from "./schemas";
import { describeActivity } from "./describe-activity";
import { loadActivityNames } from "./activity-names";
import { activityWhere } from "./activity-where";

export async function listActivity(actor: Actor, q: ListActivityQuery): Promise<{ items: ActivityView[]; total: number; page: number; pageSize: number }> {
  authorize(actor, "activity.read");
  const where = activityWhere(q);
  // One snapshot for the page and its counts: the inventory and statuses change while we read.
  const [rows, total] = await db.$transaction([
    db.activityRecord.findMany({ where, orderBy: { id: "desc" }, skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
    db.activityRecord.count({ where }),
  ], { isolationLevel: "RepeatableRead" });
  const names = await loadActivityNames(rows);
  const items = rows.map((r) => activityView(r, describeActivity(r, names)));
  return { items, total, page: q.page, pageSize: q.pageSize };
}

type Row = Awaited<ReturnType<typeof db.activityRecord.findMany>>[number];

/** A row as the API and the page read it: the chain's own fields (prevHash, seal, completes) left to the verifier. */
export function activityView(r: Row, text: string): ActivityView {
  return {
    id: r.id,
    at: r.at.toISOString(),
    userId: r.userId,
    userEmail: r.userEmail,
    tokenId: r.tokenId,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    ip: r.ip,
    userAgent: r.userAgent,
    details: r.details ?? null,
    seq: r.seq,
    hash: r.hash,
    text,
  };
}
