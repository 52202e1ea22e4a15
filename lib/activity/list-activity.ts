// One page of the activity record, newest first, optionally for one user or one action (or action prefix "containers."),
// each row with its sentence ("ana@example.com stopped container colors on host web-1").
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import type { ActivityView, ListActivityQuery } from "./schemas";
import { describeActivity } from "./describe-activity";
import { loadActivityNames } from "./activity-names";

export async function listActivity(actor: Actor, q: ListActivityQuery): Promise<{ items: ActivityView[]; total: number; page: number; pageSize: number }> {
  authorize(actor, "activity.read");
  const where = {
    ...(q.userId ? { userId: q.userId } : {}),
    ...(q.action ? (q.action.endsWith(".") ? { action: { startsWith: q.action } } : { action: q.action }) : {}),
  };
  // One snapshot for the page and its counts: the inventory and statuses change while we read.
  const [rows, total] = await db.$transaction([
    db.activityRecord.findMany({ where, orderBy: { id: "desc" }, skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
    db.activityRecord.count({ where }),
  ], { isolationLevel: "RepeatableRead" });
  const names = await loadActivityNames(rows);
  const items = rows.map((r) => ({ ...r, at: r.at.toISOString(), details: r.details ?? null, text: describeActivity(r, names) }));
  return { items, total, page: q.page, pageSize: q.pageSize };
}
