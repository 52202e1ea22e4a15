// The shapes the token routes accept and return (also what /api/v1/openapi.json describes).
import { z } from "zod";
import { RIGHTS, ROLES } from "@/lib/auth/policy";

export const MAX_TOKEN_DAYS = 366;

export const createApiTokenSchema = z
  .object({
    name: z.string().trim().min(1, "name a token so you can recognise it later").max(100),
    role: z.enum(ROLES).optional().describe("defaults to the user's role; never above the creator's or the user's"),
    expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(30),
    userId: z.string().min(1).max(100).optional().describe("admins may create a token for another user; defaults to oneself"),
    rights: z.array(z.enum(RIGHTS)).max(RIGHTS.length).optional().describe("narrow the token to these rights (each one the creator holds); default: not narrowed"),
    hostGroupIds: z.array(z.string().min(1).max(100)).max(50).optional().describe("narrow the token to these host groups' hosts (on each, the creator must hold the rights)"),
    namespaces: z.array(z.string().min(1).max(253)).max(50).optional().describe("narrow the token to these namespaces of the Kubernetes API"),
  })
  .strict();
export type CreateApiTokenInput = z.input<typeof createApiTokenSchema>;

export const listApiTokensQuery = z
  .object({ all: z.enum(["true", "false"]).optional().describe("admins: also the tokens of every user they manage") })
  .strict();

export const apiTokenIdParams = z.object({ id: z.string().min(1).max(100) });

export const apiTokenView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  userId: z.string(),
  role: z.enum(ROLES),
  createdById: z.string(),
  rights: z.array(z.string()).describe("empty: not narrowed"),
  hostGroupIds: z.array(z.string()),
  namespaces: z.array(z.string()),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type ApiTokenView = z.infer<typeof apiTokenView>;

export const createdApiTokenView = z.object({ token: z.string().describe("shown once: store it now"), apiToken: apiTokenView });
