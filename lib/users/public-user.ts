// What the API and pages show of a user: never the password hash (sign-in back-off is kept per address, not per user).
import type { Role } from "@/lib/auth/policy";

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export const PUBLIC_USER_SELECT = {
  id: true,
  email: true,
  name: true,
  role: true,
  disabled: true,
  lastLoginAt: true,
  createdAt: true,
} as const;

type Row = { id: string; email: string; name: string; role: Role; disabled: boolean; lastLoginAt: Date | null; createdAt: Date };

export function toPublicUser(u: Row): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: u.disabled,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}
