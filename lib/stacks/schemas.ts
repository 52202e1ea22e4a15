// The stacks API's shapes (/api/v1/stacks): a compose file sent to be previewed or deployed, and the stacks answered —
// shared by the routes, the OpenAPI catalogue and the pages.
import { z } from "zod";

const DnsLabel = z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lowercase letters, digits and \"-\")");

/** A whole request to preview or deploy: 512 KiB at most (a ConfigMap keeps the source, 1 MiB at most). */
export const MAX_STACK_BODY_BYTES = 512 * 1024;

export const stackBody = z
  .object({
    name: DnsLabel,
    namespace: DnsLabel,
    compose: z.string().min(1, "paste or upload the compose file").max(400_000),
    envFiles: z.record(z.string().min(1).max(253), z.string().max(200_000)).default({}),
  })
  .strict();
export type StackBody = z.infer<typeof stackBody>;

export const stackParams = { namespace: DnsLabel, name: DnsLabel };
export const listStacksQuery = z.object({ namespace: DnsLabel.optional() }).strict();

const objectRef = z.object({ kind: z.string(), name: z.string() });

export const stackObjectPlan = objectRef.extend({
  /** What deploying would do to it. */
  action: z.enum(["create", "update", "unchanged", "delete"]),
  /** The object as it would be sent (absent for a deletion). */
  object: z.record(z.string(), z.unknown()).optional(),
  /** The server-side dry run's refusal, naming fields. */
  error: z.object({ message: z.string(), causes: z.array(z.object({ field: z.string().optional(), message: z.string().optional() })) }).optional(),
});
export type StackObjectPlan = z.infer<typeof stackObjectPlan>;

export const translationView = z.object({
  unsupported: z.array(z.object({ path: z.string(), key: z.string(), reason: z.string().optional() })),
  notes: z.array(z.object({ path: z.string(), message: z.string() })),
  published: z.array(z.object({ service: z.string(), published: z.number().int().nullable(), target: z.number().int(), protocol: z.string(), nodePort: z.number().int().nullable() })),
});

export const stackPreview = z.object({ name: z.string(), namespace: z.string(), objects: z.array(stackObjectPlan) }).extend(translationView.shape);
export type StackPreview = z.infer<typeof stackPreview>;

export const stackServiceStatus = z.object({
  name: z.string(),
  image: z.string().nullable(),
  replicas: z.number().int(),
  ready: z.number().int(),
  updated: z.number().int(),
  /** Published ports: where each answers on every host. */
  ports: z.array(z.object({ port: z.number().int(), targetPort: z.union([z.number().int(), z.string()]), protocol: z.string(), nodePort: z.number().int().nullable() })),
});

export const stackSummary = z.object({
  name: z.string(),
  namespace: z.string(),
  /** running: every service's replicas ready; progressing: some not yet; stopped: no replicas asked for. */
  status: z.enum(["running", "progressing", "stopped"]),
  services: z.array(stackServiceStatus),
  objects: z.number().int(),
  updatedAt: z.string().nullable(),
});
export type StackSummary = z.infer<typeof stackSummary>;

export const stackDetail = stackSummary.extend({
  compose: z.string(),
  envFiles: z.record(z.string(), z.string()),
  objectList: z.array(objectRef.extend({ createdAt: z.string().nullable() })),
});
export type StackDetail = z.infer<typeof stackDetail>;

export const stackList = z.object({ items: z.array(stackSummary) });

export const stackDeployed = stackPreview.extend({ stack: stackDetail });
export type StackDeployed = z.infer<typeof stackDeployed>;
