// What a join token looks like to those who may add hosts: never its hash; its state said in one word.
import type { JoinTokenState, JoinTokenView } from "./join-token-schemas";

export const JOIN_TOKEN_SELECT = {
  id: true,
  hostName: true,
  createdAt: true,
  expiresAt: true,
  usedAt: true,
  revokedAt: true,
  hostId: true,
  createdBy: { select: { id: true, name: true, email: true } },
} as const;

interface Row {
  id: string;
  hostName: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  hostId: number | null;
  createdBy: { id: string; name: string; email: string } | null;
}

export function joinTokenState(t: Pick<Row, "usedAt" | "revokedAt" | "expiresAt">, now = new Date()): JoinTokenState {
  if (t.usedAt) return "used";
  if (t.revokedAt) return "revoked";
  if (t.expiresAt <= now) return "expired";
  return "outstanding";
}

export function toJoinTokenView(t: Row, now = new Date()): JoinTokenView {
  return {
    id: t.id,
    hostName: t.hostName,
    state: joinTokenState(t, now),
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(),
    usedAt: t.usedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    hostId: t.hostId,
    createdBy: t.createdBy,
  };
}
