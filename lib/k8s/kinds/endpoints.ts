// v1 Endpoints: the addresses behind a Service, in subsets of addresses that share a set of ports — ready ones in
// `addresses`, the others in `notReadyAddresses`. For a Service with a selector it is kept by the endpoints controller
// (lib/orchestration/endpoints-controller.ts) under the Service's name; one without a selector has whatever a user
// writes. kubectl's ENDPOINTS column lists the first three ready ip:port pairs.
import type { KubeObject } from "../meta";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { ipv4ToNumber } from "@/lib/network/cluster-cidrs";
import { ageColumn, nameColumn, typeMeta } from "./common";
import { invalidCause, notSupportedCause, requiredCause } from "./pod-spec";

const DESCRIPTION = "Endpoints is a collection of endpoints that implement the actual service.";

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string; resourceVersion?: string };
}
export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export const objectReference = t.object(
  {
    kind: t.string("Kind of the referent."),
    namespace: t.string("Namespace of the referent."),
    name: t.string("Name of the referent."),
    uid: t.string("UID of the referent."),
    apiVersion: t.string("API version of the referent."),
    resourceVersion: t.string("Specific resourceVersion to which this reference is made, if any."),
    fieldPath: t.string("A piece of an object instead of an entire object."),
  },
  { name: "io.k8s.api.core.v1.ObjectReference", description: "ObjectReference contains enough information to let you inspect or modify the referred object.", proto: { kind: 1, namespace: 2, name: 3, uid: 4, apiVersion: 5, resourceVersion: 6, fieldPath: 7 } },
);

const address = t.object(
  {
    ip: t.string("The IP of this endpoint."),
    hostname: t.string("The Hostname of this endpoint."),
    nodeName: t.string("The node hosting this endpoint."),
    targetRef: objectReference,
  },
  { name: "io.k8s.api.core.v1.EndpointAddress", required: ["ip"], description: "EndpointAddress is a tuple that describes single IP address.", proto: { ip: 1, targetRef: 2, hostname: 3, nodeName: 4 } },
);

const port = t.object(
  {
    name: t.string("The name of this port (the service port's name)."),
    port: t.int("The port number of the endpoint."),
    protocol: t.string("The IP protocol for this port: TCP, UDP, or SCTP. Default is TCP.", { enum: ["SCTP", "TCP", "UDP"] }),
    appProtocol: t.string("The application protocol for this port."),
  },
  { name: "io.k8s.api.core.v1.EndpointPort", required: ["port"], description: "EndpointPort is a tuple that describes a single port.", proto: { name: 1, port: 2, protocol: 3, appProtocol: 4 } },
);

const subsetsOf = (o: KubeObject) => (o.subsets ?? []) as EndpointSubset[];

/** kubectl's ENDPOINTS cell (printers' formatEndpoints): ready ip:port pairs, three at most, then "+ N more...". */
export function formatEndpoints(o: KubeObject, portNames?: Set<string>): string {
  const subsets = subsetsOf(o);
  if (!subsets.length) return "<none>";
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ss.ports) {
      if (portNames && !portNames.has(p.name ?? "")) continue;
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(`${a.ip}:${p.port}`);
      }
    }
  }
  const ret = list.join(",");
  if (more) return `${ret} + ${count - max} more...`;
  return ret || "<none>";
}

const PROTOCOLS = ["SCTP", "TCP", "UDP"];

export const endpointsResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Endpoints",
  plural: "endpoints",
  singular: "endpoints",
  shortNames: ["ep"],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: DESCRIPTION,
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      subsets: t.array(
        t.object(
          {
            addresses: t.array(address, "IP addresses which offer the related ports that are marked as ready."),
            notReadyAddresses: t.array(address, "IP addresses which offer the related ports but are not currently marked as ready."),
            ports: t.array(port, "Port numbers available on the related IP addresses."),
          },
          { name: "io.k8s.api.core.v1.EndpointSubset", description: "EndpointSubset is a group of addresses with a common set of ports.", proto: { addresses: 1, notReadyAddresses: 2, ports: 3 } },
        ),
        "The set of all endpoints is the union of all subsets.",
      ),
    },
    { name: "io.k8s.api.core.v1.Endpoints", description: DESCRIPTION, proto: { metadata: 1, subsets: 2 } },
  ),
  columns: [
    nameColumn,
    { name: "Endpoints", type: "string", description: "Endpoints is the list of ready ip:port pairs.", priority: 0, cell: (o) => formatEndpoints(o) },
    ageColumn,
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  normalize(obj) {
    for (const ss of subsetsOf(obj)) for (const p of ss.ports ?? []) p.protocol ??= "TCP";
  },
  validate(obj) {
    const causes: StatusCause[] = [];
    for (const [i, ss] of subsetsOf(obj).entries()) {
      const at = `subsets[${i}]`;
      for (const [list, addrs] of [["addresses", ss.addresses ?? []], ["notReadyAddresses", ss.notReadyAddresses ?? []]] as const)
        for (const [j, a] of addrs.entries()) {
          if (!a.ip) causes.push(requiredCause(`${at}.${list}[${j}].ip`));
          else if (ipv4ToNumber(a.ip) === null) causes.push(invalidCause(`${at}.${list}[${j}].ip`, a.ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        }
      if ((ss.ports?.length ?? 0) > 1) for (const [j, p] of (ss.ports ?? []).entries()) if (!p.name) causes.push(requiredCause(`${at}.ports[${j}].name`));
      for (const [j, p] of (ss.ports ?? []).entries()) {
        if (!p.port || p.port < 1 || p.port > 65535) causes.push(invalidCause(`${at}.ports[${j}].port`, p.port ?? 0, "must be between 1 and 65535, inclusive"));
        if (p.protocol && !PROTOCOLS.includes(p.protocol)) causes.push(notSupportedCause(`${at}.ports[${j}].protocol`, p.protocol, PROTOCOLS));
      }
    }
    return causes;
  },
};
