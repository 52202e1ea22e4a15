// What the product shows of a host (API, pages, live events): never the credential hash.
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
} as const;

export type HostStatus = "online" | "stale" | "offline";

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
}

interface HostRow {
  id: number;
  name: string;
  status: HostStatus;
  statusChangedAt: Date;
  lastSeenAt: Date | null;
  connectedAt: Date | null;
  facts: unknown;
  agentVersion: string | null;
  engineVersion: string | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export function toHostView(row: HostRow): HostView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    statusChangedAt: row.statusChangedAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    connected: row.connectedAt !== null && row.revokedAt === null,
    facts: (row.facts as HostFacts | null) ?? null,
    agentVersion: row.agentVersion,
    engineVersion: row.engineVersion,
    revoked: row.revokedAt !== null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
