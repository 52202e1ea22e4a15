// discovery.k8s.io/v1 EndpointSlice: a slice (at most 100) of a Service's endpoints that share a set of ports, each with
// its addresses, its ready/serving/terminating conditions, the pod and node behind it. Labelled with the Service's name
// (kubernetes.io/service-name) and owned by it; kept by lib/orchestration/endpoints-controller.ts for Services with a
// selector. kubectl prints ADDRESSTYPE, PORTS and ENDPOINTS (three at most, then "+ N more...").
import type { KubeObject } from "../meta";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { ipv4ToNumber } from "@/lib/network/cluster-cidrs";
import { ageColumn, nameColumn, typeMeta } from "./common";
import { objectReference } from "./endpoints";
import { invalidCause, notSupportedCause, requiredCause } from "./pod-spec";

const DESCRIPTION = "EndpointSlice represents a subset of the endpoints that implement a service.";
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string };
  nodeName?: string;
  zone?: string;
}
export interface SlicePort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

const listWithMore = (list: string[], more: boolean, count: number, max: number) => {
  const ret = list.join(",");
  if (more) return `${ret} + ${count - max} more...`;
  return ret || "<unset>";
};

function formatPorts(o: KubeObject): string {
  const ports = (o.ports ?? []) as SlicePort[];
  const list: string[] = [];
  let more = false;
  for (const p of ports) {
    if (list.length < 3) list.push(p.port !== undefined ? String(p.port) : (p.name ?? "*"));
    else more = true;
  }
  return listWithMore(list, more, ports.length, 3);
}

function formatSliceEndpoints(o: KubeObject): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const e of (o.endpoints ?? []) as SliceEndpoint[])
    for (const a of e.addresses ?? []) {
      if (list.length < 3) list.push(a);
      else more = true;
      count++;
    }
  return listWithMore(list, more, count, 3);
}

const ADDRESS_TYPES = ["IPv4", "IPv6", "FQDN"];

export const endpointSliceResource: ResourceDef = {
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  singular: "endpointslice",
  shortNames: [],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: DESCRIPTION,
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      addressType: t.string("The type of address carried by this EndpointSlice: IPv4, IPv6 or FQDN.", { enum: ADDRESS_TYPES }),
      endpoints: t.array(
        t.object(
          {
            addresses: t.array(t.string(), "Addresses of this endpoint (one for IPv4)."),
            conditions: t.object(
              {
                ready: t.bool("Whether this endpoint is ready to receive traffic."),
                serving: t.bool("Whether this endpoint is serving, terminating or not."),
                terminating: t.bool("Whether this endpoint is terminating."),
              },
              { name: "io.k8s.api.discovery.v1.EndpointConditions", description: "The current condition of an endpoint.", proto: { ready: 1, serving: 2, terminating: 3 } },
            ),
            hostname: t.string("The hostname of this endpoint."),
            targetRef: objectReference,
            deprecatedTopology: t.map(t.string(), "Deprecated topology information."),
            nodeName: t.string("The name of the Node hosting this endpoint."),
            zone: t.string("The name of the Zone this endpoint exists in."),
            hints: t.any("Information about how an endpoint should be consumed."),
          },
          { name: "io.k8s.api.discovery.v1.Endpoint", required: ["addresses"], description: "Endpoint represents a single logical backend implementing a service.", proto: { addresses: 1, conditions: 2, hostname: 3, targetRef: 4, deprecatedTopology: 5, nodeName: 6, zone: 7, hints: 8 } },
        ),
        "A list of unique endpoints in this slice (at most 1000).",
      ),
      ports: t.array(
        t.object(
          {
            name: t.string("The name of this port (the service port's name)."),
            protocol: t.string("The IP protocol for this port: TCP, UDP, or SCTP. Default is TCP.", { enum: ["SCTP", "TCP", "UDP"] }),
            port: t.int("The port number of the endpoint."),
            appProtocol: t.string("The application protocol for this port."),
          },
          { name: "io.k8s.api.discovery.v1.EndpointPort", description: "EndpointPort represents a Port used by an EndpointSlice.", proto: { name: 1, protocol: 2, port: 3, appProtocol: 4 } },
        ),
        "The network ports exposed by each endpoint in this slice.",
      ),
    },
    { name: "io.k8s.api.discovery.v1.EndpointSlice", required: ["addressType", "endpoints"], description: DESCRIPTION, proto: { metadata: 1, endpoints: 2, ports: 3, addressType: 4 } },
  ),
  columns: [
    nameColumn,
    { name: "AddressType", type: "string", description: "The type of address carried by this EndpointSlice.", priority: 0, cell: (o) => String(o.addressType ?? "") },
    { name: "Ports", type: "string", description: "The network ports exposed by each endpoint in this slice.", priority: 0, cell: formatPorts },
    { name: "Endpoints", type: "string", description: "The addresses of the endpoints in this slice.", priority: 0, cell: formatSliceEndpoints },
    ageColumn,
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  normalize(obj) {
    obj.endpoints ??= [];
    for (const p of (obj.ports ?? []) as SlicePort[]) p.protocol ??= "TCP";
  },
  validate(obj, old) {
    const causes: StatusCause[] = [];
    const type = obj.addressType as string | undefined;
    if (!type) causes.push(requiredCause("addressType"));
    else if (!ADDRESS_TYPES.includes(type)) causes.push(notSupportedCause("addressType", type, ADDRESS_TYPES));
    if (old && old.addressType !== obj.addressType) causes.push(invalidCause("addressType", type ?? "", "field is immutable"));
    const endpoints = (obj.endpoints ?? []) as SliceEndpoint[];
    if (endpoints.length > 1000) causes.push({ reason: "FieldValueTooMany", field: "endpoints", message: `Too many: ${endpoints.length}: must have at most 1000 items` });
    for (const [i, e] of endpoints.entries()) {
      if (!e.addresses?.length) causes.push(requiredCause(`endpoints[${i}].addresses`));
      else if (e.addresses.length > 100) causes.push({ reason: "FieldValueTooMany", field: `endpoints[${i}].addresses`, message: `Too many: ${e.addresses.length}: must have at most 100 items` });
      for (const [j, a] of (e.addresses ?? []).entries())
        if (type === "IPv4" && ipv4ToNumber(a) === null) causes.push(invalidCause(`endpoints[${i}].addresses[${j}]`, a, "must be a valid IPv4 address"));
    }
    const ports = (obj.ports ?? []) as SlicePort[];
    if (ports.length > 20000) causes.push({ reason: "FieldValueTooMany", field: "ports", message: "Too many: must have at most 20000 items" });
    for (const [i, p] of ports.entries())
      if (p.port !== undefined && (p.port < 0 || p.port > 65535)) causes.push(invalidCause(`ports[${i}].port`, p.port, "must be between 0 and 65535, inclusive"));
    return causes;
  },
};
