// The Services protocol between the control plane and every agent (issue 14). The control plane keeps each host's
// service proxy and cluster DNS current with `services.sync` (server → agent, acknowledged): every Service of the
// cluster with the endpoints behind it already resolved — a pod's address and, per service port, the port number its
// targetPort names in that pod — so the agent needs nothing else to program its rules and answer names.
//
// The first message after each (re)connection is full (`full: true`: the complete set; a service not in it is removed).
// Later ones carry only what changed (`services`: replaced whole; `removed`: "namespace/name" keys). `revision` grows by
// one per message to a connection; an agent that sees a gap answers { ok: false } and the control plane sends a full
// set again.
import { z } from "zod";

const DnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label");
const IPv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "must be an IPv4 address");
const Port = z.number().int().min(1).max(65535);

export const ServicePortSpec = z
  .object({
    /** "" for a service's single unnamed port; a DNS label (up to 63 characters, as the API allows a Service's). */
    name: z.union([z.literal(""), DnsLabel]),
    protocol: z.enum(["TCP", "UDP", "SCTP"]),
    port: Port,
    /** Set for NodePort (and LoadBalancer) services: 30000–32767 by default. */
    nodePort: Port.optional(),
  })
  .strict();
export type ServicePortSpec = z.infer<typeof ServicePortSpec>;

export const ServiceEndpoint = z
  .object({
    ip: IPv4,
    /** Only ready endpoints receive traffic; not-ready ones are listed so DNS of publishNotReadyAddresses works. */
    ready: z.boolean(),
    /** The pod's hostname within a headless service (spec.hostname when spec.subdomain names the service). */
    hostname: DnsLabel.optional(),
    nodeName: z.string().max(253),
    podName: z.string().max(253),
    /** Service port name ("" for the unnamed one) → the port in this pod its targetPort resolves to. A service port
     *  whose named targetPort this pod does not declare is missing here: that endpoint does not serve that port. */
    ports: z.record(z.string().max(63), Port),
  })
  .strict();
export type ServiceEndpoint = z.infer<typeof ServiceEndpoint>;

export const AgentService = z
  .object({
    namespace: DnsLabel,
    name: DnsLabel,
    uid: z.string().min(1).max(64),
    type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
    /** The virtual IP; null for a headless service (clusterIP: None) and for ExternalName. */
    clusterIP: IPv4.nullable(),
    /** For ExternalName: the DNS name the service's name is a CNAME of. */
    externalName: z.string().max(253).optional(),
    sessionAffinity: z.enum(["None", "ClientIP"]),
    /** sessionAffinityConfig.clientIP.timeoutSeconds (default 10800). */
    affinityTimeoutSeconds: z.number().int().min(1).max(86400),
    publishNotReadyAddresses: z.boolean(),
    ports: z.array(ServicePortSpec).max(100),
    endpoints: z.array(ServiceEndpoint).max(5000),
  })
  .strict();
export type AgentService = z.infer<typeof AgentService>;

/** server → agent `services.sync`. */
export const ServicesSync = z
  .object({
    full: z.boolean(),
    revision: z.number().int().min(1),
    /** The cluster's DNS domain ("cluster.local") and service CIDR, so the agent knows what is its to answer and route. */
    clusterDomain: z.string().min(1).max(253),
    serviceCIDR: z.string().max(43),
    services: z.array(AgentService).max(20000),
    /** "namespace/name" of services gone since the last message (empty when full). */
    removed: z.array(z.string().max(127)).max(20000),
  })
  .strict();
export type ServicesSync = z.infer<typeof ServicesSync>;

export const serviceKey = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;
