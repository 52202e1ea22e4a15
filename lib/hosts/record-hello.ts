// An agent (re)connected and reported its facts: the host is online, connected and seen now — and "syncing" until the
// full inventory the agent sends after every hello is in (what ran there while it was away is not known before).
// One statement, which also says whether the host has command claims to settle or queued commands to run, so a
// fleet reconnecting at once costs one query a host here, not four.
import { db } from "@/lib/db";
import type { HostFacts } from "@/lib/protocol";
import { toHostView, type HeartbeatStatus, type HostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

export interface Hello {
  host: HostView;
  /** Idempotency claims still running or unknown on this host (lib/fleet/settle-claim.ts settles them). */
  hasClaims: boolean;
  /** Commands queued while it was away (lib/fleet/run-queued-commands.ts runs them). */
  hasQueued: boolean;
}

type Row = Parameters<typeof toHostView>[0] & { oldStatus: HeartbeatStatus; oldSyncStartedAt: Date | null; hasClaims: boolean; hasQueued: boolean };

/** Returns the host as now stored, or null when it is unknown or was revoked meanwhile. */
export async function recordHello(hostId: number, facts: HostFacts, now = new Date()): Promise<Hello | null> {
  const at = now.toISOString(); // timestamps are UTC wall times in timestamp(3) columns, as Prisma writes them
  const rows = await db.$queryRaw<Row[]>`
    WITH n AS (SELECT (${at}::timestamptz AT TIME ZONE 'UTC') AS at),
    old AS (SELECT id, status, "syncStartedAt" FROM "Host" WHERE id = ${hostId} AND "revokedAt" IS NULL FOR UPDATE)
    UPDATE "Host" h SET
      "facts" = ${JSON.stringify(facts)}::jsonb, "agentVersion" = ${facts.agentVersion}, "engineVersion" = ${facts.engineVersion},
      "lastSeenAt" = n.at, "connectedAt" = n.at, "status" = 'online',
      "statusChangedAt" = CASE WHEN old.status <> 'online' THEN n.at ELSE h."statusChangedAt" END,
      -- A sync of the previous connection is over: its remaining pages are refused, this connection's sync starts anew.
      "syncId" = NULL, "syncPages" = 0, "syncStartedAt" = COALESCE(old."syncStartedAt", n.at)
    FROM old, n WHERE h.id = old.id
    RETURNING h.id, h.name, h.status::text AS status, h."statusChangedAt", h."lastSeenAt", h."connectedAt", h.facts, h."agentVersion", h."engineVersion",
      h."revokedAt", h."createdAt", h."syncStartedAt", h."syncPages", h."syncedAt", h."syncError",
      old.status::text AS "oldStatus", old."syncStartedAt" AS "oldSyncStartedAt",
      EXISTS (SELECT 1 FROM "CommandResult" c WHERE c."hostId" = h.id AND c.status IN ('running', 'unknown')) AS "hasClaims",
      EXISTS (SELECT 1 FROM "QueuedCommand" q WHERE q."hostId" = h.id AND q.status = 'queued') AS "hasQueued"`;
  const row = rows[0];
  if (!row) return null;
  const host = toHostView(row);
  const before = toHostView({ ...row, status: row.oldStatus, syncStartedAt: row.oldSyncStartedAt });
  publishHostEvent(before.status !== host.status ? "status" : "updated", host);
  return { host, hasClaims: row.hasClaims, hasQueued: row.hasQueued };
}
