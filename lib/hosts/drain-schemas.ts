// What POST /api/v1/hosts/{id}/drain takes and answers, and PUT/DELETE …/cordon answers (lib/hosts/drain-host.ts).
import { z } from "zod";

/** Under the HTTP clients' usual 300 s wait for response headers (undici's, which the CLI uses). */
export const MAX_DRAIN_WAIT_SECONDS = 240;

export const drainHostBody = z
  .object({ waitSeconds: z.number().int().min(0).max(MAX_DRAIN_WAIT_SECONDS).optional() })
  .strict();
export type DrainHostBody = z.infer<typeof drainHostBody>;

const podRef = { namespace: z.string(), name: z.string() };

export const drainResult = z.object({
  hostId: z.number().int(),
  node: z.string(),
  /** Deleted for their controllers to make again elsewhere; `gone` once the host reported them stopped. */
  deleted: z.array(z.object({ ...podRef, gone: z.boolean() })),
  /** Left on the host, each with why. */
  kept: z.array(z.object({ ...podRef, why: z.string() })),
  /** The host's running containers that belong to no pod; null when the host could not be asked (containersNote). */
  containers: z.array(z.object({ id: z.string(), name: z.string(), image: z.string(), state: z.string() })).nullable(),
  containersNote: z.string().optional(),
});
export type DrainResult = z.infer<typeof drainResult>;

export const cordonResult = z.object({ hostId: z.number().int(), node: z.string(), unschedulable: z.boolean() });
export type CordonResult = z.infer<typeof cordonResult>;
