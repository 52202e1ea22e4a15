// The activity record's shapes: what GET /api/v1/activity accepts and returns (also described in /api/v1/openapi.json).
import { z } from "zod";

export const listActivityQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
    userId: z.string().min(1).max(100).optional(),
    action: z.string().min(1).max(100).optional().describe("a policy action such as containers.manage, or a prefix ending in '.'"),
  })
  .strict();
export type ListActivityQuery = z.infer<typeof listActivityQuery>;

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
  text: z.string().describe('the row in words: "ana@example.com stopped container colors on host web-1"'),
});
export type ActivityView = z.infer<typeof activityView>;

export const activityPage = z.object({ items: z.array(activityView), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });
