// What /api/v1/sessions takes and answers.
import { z } from "zod";

export const SESSION_METHODS = ["local", "oidc"] as const;
export type SessionMethod = (typeof SESSION_METHODS)[number];

export const sessionView = z.object({
  id: z.string(),
  userId: z.string(),
  method: z.enum(SESSION_METHODS),
  address: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  /** The session this request was made with. */
  current: z.boolean(),
});
export type SessionView = z.infer<typeof sessionView>;

export const listSessionsQuery = z
  .object({ userId: z.string().min(1).max(64).optional().describe("another user's sessions (those who manage that user)") })
  .strict();

export const sessionIdParams = z.object({ id: z.string().min(1).max(64) });
