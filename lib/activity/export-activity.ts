// The activity record as a file an auditor keeps: every row the filters select, oldest first, as CSV or JSON (an
// array), streamed a page at a time so a long record is never held whole. Each row carries its sentence and its place
// in the audit chain (seq, hash), so a copy can be checked against `gantry audit verify`'s head later.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import type { ExportActivityQuery } from "./schemas";
import { activityWhere } from "./activity-where";
import { describeActivity } from "./describe-activity";
import { loadActivityNames } from "./activity-names";
import { activityView } from "./list-activity";

const PAGE = 500;
const CSV_COLUMNS = ["id", "seq", "at", "userEmail", "userId", "tokenId", "action", "target", "outcome", "ip", "userAgent", "text", "details", "hash"] as const;

export function exportActivity(actor: Actor, q: ExportActivityQuery): Response {
  authorize(actor, "activity.read");
  const where = activityWhere(q);
  const encoder = new TextEncoder();
  let lastId = 0;
  let opened = false;
  let count = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const rows = await db.activityRecord.findMany({ where: { AND: [where, { id: { gt: lastId } }] }, orderBy: { id: "asc" }, take: PAGE });
        const names = await loadActivityNames(rows);
        let chunk = "";
        if (!opened) chunk += q.format === "csv" ? `${CSV_COLUMNS.join(",")}\r\n` : "[";
        opened = true;
        for (const r of rows) {
          const v = activityView(r, describeActivity(r, names));
          if (q.format === "csv") {
            chunk += CSV_COLUMNS.map((c) => csvCell(c === "details" ? (v.details === null ? "" : JSON.stringify(v.details)) : v[c])).join(",") + "\r\n";
          } else {
            chunk += `${count ? "," : ""}\n${JSON.stringify(v)}`;
          }
          count++;
        }
        if (rows.length > 0) lastId = rows[rows.length - 1]!.id;
        const end = rows.length < PAGE;
        if (end && q.format === "json") chunk += count ? "\n]\n" : "]\n";
        if (chunk) controller.enqueue(encoder.encode(chunk));
        if (end) controller.close();
      } catch (e) {
        controller.error(e);
      }
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "content-type": q.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="gantry-audit-${stamp}.${q.format}"`,
      "cache-control": "no-store",
    },
  });
}

/** RFC 4180: quoted when it holds a comma, quote or line break; a cell a spreadsheet would run as a formula starts with '. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
