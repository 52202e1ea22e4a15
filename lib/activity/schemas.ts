// The activity record's shapes: what GET /api/v1/activity and GET /api/v1/audit/export accept and return (also
// described in /api/v1/openapi.json).
import { z } from "zod";

const time = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be a date and time (ISO 8601)")
  .transform((s) => new Date(s));

/** The filters the audit page and the export share. */
export const activityFilters = z.object({
  userId: z.string().min(1).max(100).optional(),
  who: z.string().min(1).max(200).optional().describe("part of the email of who acted (or tried to sign in)"),
  action: z.string().min(1).max(100).optional().describe("a policy action such as containers.manage, or a prefix ending in '.'"),
  target: z.string().min(1).max(500).optional().describe("a target or the start of one: hosts/3, namespaces/payments/"),
  outcome: z.string().min(1).max(100).optional().describe("ok, pending, or an error code"),
  from: time.optional().describe("rows at or after this time"),
  to: time.optional().describe("rows before this time"),
});
export type ActivityFilters = z.infer<typeof activityFilters>;

export const listActivityQuery = activityFilters
  .extend({
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
    afterId: z.coerce.number().int().min(0).max(2 ** 31 - 1).optional().describe("only rows newer than this id (the live tail)"),
  })
  .strict();
export type ListActivityQuery = z.infer<typeof listActivityQuery>;

export const exportActivityQuery = activityFilters
  .extend({
    format: z.enum(["csv", "json"]).default("json"),
  })
  .strict();
export type ExportActivityQuery = z.infer<typeof exportActivityQuery>;

export const activityView = z.object({
  id: z.number().int(),
  at: z.string(),
  userId: z.string().nullable(),
  userEmail: z.string().nullable(),
  tokenId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.unknown().nullable(),
  seq: z.number().int().nullable().describe("the row's place in the audit chain (null: written before the chain existed)"),
  hash: z.string().nullable(),
  text: z.string().describe('the row in words: "ana@example.com stopped container colors on host web-1"'),
});
export type ActivityView = z.infer<typeof activityView>;

export const activityPage = z.object({ items: z.array(activityView), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const chainReport = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  from: z.number().int().describe("the chain is checked from the row after this seq (0, or the last retention checkpoint's)"),
  head: z.object({ seq: z.number().int(), hash: z.string() }),
  unsealed: z.number().int().describe("rows written before the chain existed"),
  problems: z.array(
    z.object({
      id: z.number().int().nullable(),
      seq: z.number().int().nullable(),
      problem: z.enum(["altered", "unlinked", "gap", "missing-tail", "view-altered", "checkpoint"]),
      message: z.string(),
      fields: z.array(z.string()).optional(),
    }),
  ),
});
