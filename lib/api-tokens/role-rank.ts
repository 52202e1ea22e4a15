// Roles ordered by power, for capping a token's role by its creator's and its user's.
import type { Role } from "@/lib/auth/policy";

const RANK: Record<Role, number> = { owner: 3, admin: 2, operator: 1, viewer: 0, none: -1 };

export const rank = (role: Role): number => RANK[role];

export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}
