// What the product shows of a host (API, pages, live events): never the credential hash. Its status is its heartbeat's
// (online, stale, offline), except that a host heard from whose inventory is not current — a sync in progress, or one
// that failed — reads "syncing": its containers as listed may not be what runs there.
import type { HostFacts } from "@/lib/protocol";

export const HOST_VIEW_SELECT = {
  id: true,
  name: true,
  status: true,
  statusChangedAt: true,
  lastSeenAt: true,
  connectedAt: true,
  facts: true,
  agentVersion: true,
  engineVersion: true,
  revokedAt: true,
  createdAt: true,
  syncStartedAt: true,
  syncPages: true,
  syncedAt: true,
  syncError: true,
} as const;

/** What the heartbeat says (the database's column). */
export type HeartbeatStatus = "online" | "stale" | "offline";
export type HostStatus = HeartbeatStatus | "syncing";

/** Whether the host's agent is heard from (online, or online and syncing its inventory): it takes commands. */
export const isHostUp = (h: { status: HostStatus }) => h.status === "online" || h.status === "syncing";

export interface HostView {
  id: number;
  name: string;
  status: HostStatus;
  statusChangedAt: string;
  lastSeenAt: string | null;
  connected: boolean;
  facts: HostFacts | null;
  agentVersion: string | null;
  engineVersion: string | null;
  revoked: boolean;
  revokedAt: string | null;
  createdAt: string;
  /** The inventory: complete as of `syncedAt`, or a sync in progress (`syncing`, pages in so far), or failing (`error`). */
  inventory: { syncing: boolean; pages: number; syncedAt: string | null; error: string | null };
}

interface HostRow {
  id: number;
  name: string;
  status: HeartbeatStatus;
  statusChangedAt: Date;
  lastSeenAt: Date | null;
  connectedAt: Date | null;
  facts: unknown;
  agentVersion: string | null;
  engineVersion: string | null;
  revokedAt: Date | null;
  createdAt: Date;
  syncStartedAt: Date | null;
  syncPages: number;
  syncedAt: Date | null;
  syncError: string | null;
}

export function toHostView(row: HostRow): HostView {
  return {
    id: row.id,
    name: row.name,
    status: row.status === "online" && row.syncStartedAt !== null ? "syncing" : row.status,
    statusChangedAt: row.statusChangedAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    connected: row.connectedAt !== null && row.revokedAt === null,
    facts: (row.facts as HostFacts | null) ?? null,
    agentVersion: row.agentVersion,
    engineVersion: row.engineVersion,
    revoked: row.revokedAt !== null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    inventory: { syncing: row.syncStartedAt !== null, pages: row.syncPages, syncedAt: row.syncedAt?.toISOString() ?? null, error: row.syncError },
  };
}
