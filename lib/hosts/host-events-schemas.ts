// What GET /api/v1/hosts/{id}/events accepts and returns (also described in /api/v1/openapi.json): the host's containers
// counted by state and what happened on it lately, newest first.
import { z } from "zod";

export const hostEventsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(200).default(50).describe("at most this many events") })
  .strict();
export type HostEventsQuery = z.infer<typeof hostEventsQuery>;

export const hostEventView = z.object({
  at: z.string().describe("RFC 3339"),
  source: z.enum(["inventory", "activity"]).describe("inventory: a container's own timestamps; activity: the activity record of the last 30 days (admins only)"),
  event: z.string().describe("created, started or exited for containers; the policy action (containers.manage, …) for activity"),
  containerId: z.string().nullable(),
  containerName: z.string().nullable(),
  image: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  /** Activity only: the path under /api/v1 (or hosts/{id}/containers/{cid} for exec sessions), who, and how it ended. */
  target: z.string().nullable(),
  actor: z.string().nullable(),
  outcome: z.string().nullable(),
  /** One line a person reads. */
  text: z.string(),
});
export type HostEventView = z.infer<typeof hostEventView>;

export const hostEventsView = z.object({
  containers: z.object({ total: z.number().int(), byState: z.record(z.string(), z.number().int()) }),
  events: z.array(hostEventView),
  activityIncluded: z.boolean().describe("whether activity records were included (activity.read)"),
});
export type HostEventsView = z.infer<typeof hostEventsView>;
