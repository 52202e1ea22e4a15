// The Services page's data through /api/v1/services (lib/services/list-services.ts, get-service-or-throw.ts): the
// query, the path parameters and the shapes answered, shared by the routes, the OpenAPI catalogue and the pages.
import { z } from "zod";

const DnsLabel = z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label");

export const listServicesQuery = z.object({ namespace: DnsLabel.optional() }).strict();
export const serviceParams = { namespace: DnsLabel, name: DnsLabel };

export const servicePortView = z.object({
  name: z.string(),
  protocol: z.string(),
  port: z.number().int(),
  targetPort: z.union([z.number().int(), z.string()]),
  nodePort: z.number().int().nullable(),
});

export const serviceSummary = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  type: z.string(),
  /** The virtual IP; "None" for a headless Service; null for an ExternalName (or one not allocated yet). */
  clusterIP: z.string().nullable(),
  externalName: z.string().nullable(),
  ports: z.array(servicePortView),
  selector: z.record(z.string(), z.string()).nullable(),
  sessionAffinity: z.string(),
  endpoints: z.object({ ready: z.number().int(), notReady: z.number().int() }),
  createdAt: z.string().nullable(),
});
export type ServiceSummary = z.infer<typeof serviceSummary>;

export const serviceEndpointView = z.object({
  ip: z.string(),
  ready: z.boolean(),
  terminating: z.boolean(),
  /** Service port name → the pod's port its targetPort resolved to. */
  ports: z.record(z.string(), z.number().int()),
  pod: z.object({ namespace: z.string(), name: z.string() }).nullable(),
  nodeName: z.string().nullable(),
  /** The host that node is (Nodes are hosts), when one bears that name. */
  host: z.object({ id: z.number().int(), name: z.string(), status: z.string() }).nullable(),
});
export type ServiceEndpointView = z.infer<typeof serviceEndpointView>;

export const serviceDetail = serviceSummary.extend({ endpointList: z.array(serviceEndpointView) });
export type ServiceDetail = z.infer<typeof serviceDetail>;

export const serviceList = z.object({ items: z.array(serviceSummary) });
export type ServiceList = z.infer<typeof serviceList>;
