// What a token looks like to clients: never its hash.
import type { ApiTokenView } from "./schemas";

export const TOKEN_SELECT = {
  id: true,
  name: true,
  prefix: true,
  userId: true,
  role: true,
  createdById: true,
  rights: true,
  hostGroupIds: true,
  namespaces: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
} as const;

type Row = {
  [K in keyof typeof TOKEN_SELECT]: K extends "expiresAt" | "createdAt" ? Date : K extends "revokedAt" | "lastUsedAt" ? Date | null : K extends "rights" | "hostGroupIds" | "namespaces" ? string[] : string;
};

export function tokenView(t: Row): ApiTokenView {
  return {
    ...t,
    role: t.role as ApiTokenView["role"],
    expiresAt: t.expiresAt.toISOString(),
    createdAt: t.createdAt.toISOString(),
    revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  };
}
