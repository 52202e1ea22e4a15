// A UserSession row as the API shows it.
import type { SessionMethod, SessionView } from "./schemas";

export const SESSION_SELECT = {
  id: true,
  userId: true,
  method: true,
  address: true,
  userAgent: true,
  createdAt: true,
  lastSeenAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

type Row = { id: string; userId: string; method: string; address: string | null; userAgent: string | null; createdAt: Date; lastSeenAt: Date; expiresAt: Date; revokedAt: Date | null };

export function sessionView(row: Row, currentId: string | null): SessionView {
  return {
    id: row.id,
    userId: row.userId,
    method: row.method as SessionMethod,
    address: row.address,
    userAgent: row.userAgent,
    createdAt: row.createdAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    current: row.id === currentId,
  };
}
