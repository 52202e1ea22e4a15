// v1 Service: a stable virtual IP, DNS name and set of ports over the pods its selector matches (issue 14). Writes are
// defaulted and validated as kube-apiserver's; under the write lock each one takes what it needs of the cluster's ranges
// (lib/services/allocate-service-addresses.ts): a cluster IP from GANTRY_SERVICE_CIDR (none for a headless service,
// clusterIP "None", or an ExternalName) and a node port per port for NodePort and LoadBalancer Services. Its Endpoints
// and EndpointSlices are kept by lib/orchestration/endpoints-controller.ts, and every host's proxy and DNS are told of
// it by server/service-dispatch.ts.
import { labelMapErrors } from "../label-selector";
import { selectorString } from "../label-selector";
import type { KubeObject } from "../meta";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { ageColumn, nameColumn, typeMeta } from "./common";
import { invalidCause, notSupportedCause, requiredCause } from "./pod-spec";
import { ipv4ToNumber } from "@/lib/network/cluster-cidrs";
import { clusterNetwork } from "@/lib/network/cluster-network";
import { allocateServiceAddresses } from "@/lib/services/allocate-service-addresses";
import { DEFAULT_AFFINITY_TIMEOUT, MAX_AFFINITY_TIMEOUT, needsClusterIP, needsNodePorts, type ServiceSpec } from "@/lib/services/service-spec";

const DESCRIPTION = "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.";

const specOf = (o: KubeObject) => (o.spec ?? {}) as ServiceSpec;
const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function externalIP(o: KubeObject): string {
  const spec = specOf(o);
  const type = spec.type ?? "ClusterIP";
  if (type === "ExternalName") return spec.externalName ?? "<none>";
  if (type === "LoadBalancer") {
    const ingress = ((o.status as { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } } | undefined)?.loadBalancer?.ingress ?? [])
      .map((i) => i.ip || i.hostname)
      .filter(Boolean);
    const all = [...ingress, ...(spec.externalIPs ?? [])];
    return all.length ? all.join(",") : "<pending>";
  }
  return spec.externalIPs?.length ? spec.externalIPs.join(",") : "<none>";
}

function portsCell(o: KubeObject): string {
  const ports = specOf(o).ports ?? [];
  if (!ports.length) return "<none>";
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`)).join(",");
}

export const serviceResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  singular: "service",
  shortNames: ["svc"],
  categories: ["all"],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: DESCRIPTION,
  nameRule: "dns1123-label",
  schema: t.object(
    {
      ...typeMeta(),
      spec: t.object(
        {
          ports: t.array(
            t.object(
              {
                name: t.string("The name of this port within the service (a DNS_LABEL); required when there is more than one port."),
                protocol: t.string("The IP protocol for this port: TCP, UDP, and SCTP. Default is TCP.", { enum: ["SCTP", "TCP", "UDP"] }),
                appProtocol: t.string("The application protocol for this port."),
                port: t.int("The port that will be exposed by this service."),
                targetPort: t.intOrString("Number or name of the port to access on the pods targeted by the service. Defaults to port."),
                nodePort: t.int("The port on each node on which this service is exposed when type is NodePort or LoadBalancer."),
              },
              { name: "io.k8s.api.core.v1.ServicePort", required: ["port"], description: "Information on service's port.", proto: { name: 1, protocol: 2, port: 3, targetPort: 4, nodePort: 5, appProtocol: 6 } },
            ),
            "The list of ports that are exposed by this service.",
            { patchStrategy: "merge", mergeKey: "port" },
          ),
          selector: t.map(t.string(), "Route service traffic to pods with label keys and values matching this selector."),
          clusterIP: t.string("The IP address of the service, allocated from the service CIDR unless given; \"None\" for a headless service."),
          clusterIPs: t.array(t.string(), "IP addresses assigned to this service."),
          type: t.string("How the Service is exposed: ExternalName, ClusterIP, NodePort, and LoadBalancer. Defaults to ClusterIP.", { enum: TYPES }),
          externalIPs: t.array(t.string(), "A list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
          sessionAffinity: t.string("Supports \"ClientIP\" and \"None\". Defaults to None.", { enum: ["ClientIP", "None"] }),
          loadBalancerIP: t.string("Deprecated: a load balancer IP."),
          loadBalancerSourceRanges: t.array(t.string(), "Client IPs allowed to reach a load balancer."),
          externalName: t.string("The external reference that discovery mechanisms will return as an alias for this service (type ExternalName)."),
          externalTrafficPolicy: t.string("How nodes distribute service traffic they receive on externally-facing addresses: Cluster or Local."),
          healthCheckNodePort: t.int("The healthcheck nodePort for the service."),
          publishNotReadyAddresses: t.bool("Whether addresses of pods that are not ready are published."),
          sessionAffinityConfig: t.any("The configurations of session affinity."),
          ipFamilies: t.array(t.string(), "IP families (IPv4, IPv6) assigned to this service."),
          ipFamilyPolicy: t.string("The dual-stackness requested or required by this Service: SingleStack, PreferDualStack, RequireDualStack."),
          allocateLoadBalancerNodePorts: t.bool("Whether NodePorts will be automatically allocated for services with type LoadBalancer."),
          loadBalancerClass: t.string("The class of the load balancer implementation this Service belongs to."),
          internalTrafficPolicy: t.string("How nodes distribute service traffic they receive on the ClusterIP: Cluster or Local."),
          trafficDistribution: t.string("How traffic is distributed to Service endpoints."),
        },
        {
          name: "io.k8s.api.core.v1.ServiceSpec",
          description: "The attributes a user creates on a service.",
          proto: { ports: 1, selector: 2, clusterIP: 3, type: 4, externalIPs: 5, sessionAffinity: 7, externalName: 10, externalTrafficPolicy: 11 },
        },
      ),
      status: t.object(
        {
          loadBalancer: t.any("The current status of the load-balancer, if one is present."),
          conditions: t.array(t.any("A condition."), "Current service state.", { patchStrategy: "merge", mergeKey: "type" }),
        },
        { name: "io.k8s.api.core.v1.ServiceStatus", description: "The current status of a service." },
      ),
    },
    { name: "io.k8s.api.core.v1.Service", description: DESCRIPTION, proto: { metadata: 1, spec: 2, status: 3 } },
  ),
  columns: [
    nameColumn,
    { name: "Type", type: "string", description: "How the Service is exposed.", priority: 0, cell: (o) => specOf(o).type ?? "ClusterIP" },
    { name: "Cluster-IP", type: "string", description: "The IP address of the service.", priority: 0, cell: (o) => specOf(o).clusterIPs?.[0] || specOf(o).clusterIP || "<none>" },
    { name: "External-IP", type: "string", description: "External addresses of the service.", priority: 0, cell: externalIP },
    { name: "Port(s)", type: "string", description: "The list of ports that are exposed by this service.", priority: 0, cell: portsCell },
    ageColumn,
    { name: "Selector", type: "string", description: "Route service traffic to pods with label keys and values matching this selector.", priority: 1, cell: (o) => selectorString(specOf(o).selector) || "<none>" },
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  subresources: { status: true },
  normalize(obj, old) {
    const spec = (obj.spec ??= {}) as ServiceSpec;
    spec.type ??= "ClusterIP";
    spec.sessionAffinity ??= "None";
    for (const p of spec.ports ?? []) {
      p.protocol ??= "TCP";
      p.targetPort ??= p.port;
    }
    if (old) carryOver(spec, specOf(old));
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
    if (spec.type !== "ExternalName") {
      spec.internalTrafficPolicy ??= "Cluster";
      // A single-stack IPv4 cluster; a headless Service without a selector is dual-stack "required" as kube-apiserver
      // makes it (its addresses are whatever its Endpoints say).
      if (spec.clusterIP === "None" && !Object.keys(spec.selector ?? {}).length) {
        spec.ipFamilyPolicy ??= "RequireDualStack";
        spec.ipFamilies ??= ["IPv4", "IPv6"];
      } else {
        spec.ipFamilyPolicy ??= "SingleStack";
        spec.ipFamilies ??= ["IPv4"];
      }
    }
    if (spec.type === "NodePort" || spec.type === "LoadBalancer") spec.externalTrafficPolicy ??= "Cluster";
    if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
    if (spec.sessionAffinity === "ClientIP") {
      const cfg = (spec.sessionAffinityConfig ??= {});
      const clientIP = (cfg.clientIP ??= {});
      clientIP.timeoutSeconds ??= DEFAULT_AFFINITY_TIMEOUT;
    }
    if (!old) obj.status = { loadBalancer: {} };
  },
  validate(obj, old) {
    const spec = specOf(obj);
    const causes: StatusCause[] = [];
    const type = spec.type ?? "ClusterIP";
    if (!TYPES.includes(type)) causes.push(notSupportedCause("spec.type", type, TYPES));
    if (type === "ExternalName") {
      if (!spec.externalName) causes.push(requiredCause("spec.externalName"));
    } else if (!spec.ports?.length && spec.clusterIP !== "None") causes.push(requiredCause("spec.ports"));
    causes.push(...clusterIPErrors(spec, old ? specOf(old) : undefined));
    const names = new Set<string>();
    const seen = new Set<string>();
    for (const [i, p] of (spec.ports ?? []).entries()) {
      const at = `spec.ports[${i}]`;
      if ((spec.ports?.length ?? 0) > 1 && !p.name) causes.push(requiredCause(`${at}.name`));
      if (p.name) {
        if (!DNS1123_LABEL.test(p.name) || p.name.length > 63)
          causes.push(invalidCause(`${at}.name`, p.name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
        if (names.has(p.name)) causes.push({ reason: "FieldValueDuplicate", field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(p.name)}` });
        names.add(p.name);
      }
      if (!p.port || p.port < 1 || p.port > 65535) causes.push(p.port ? invalidCause(`${at}.port`, p.port, "must be between 1 and 65535, inclusive") : requiredCause(`${at}.port`));
      if (p.protocol && !PROTOCOLS.includes(p.protocol)) causes.push(notSupportedCause(`${at}.protocol`, p.protocol, PROTOCOLS));
      const tp = p.targetPort;
      if (typeof tp === "number" && (tp < 1 || tp > 65535)) causes.push(invalidCause(`${at}.targetPort`, tp, "must be between 1 and 65535, inclusive"));
      if (typeof tp === "string" && (!IANA_SVC_NAME.test(tp) || tp.length > 15)) causes.push(invalidCause(`${at}.targetPort`, tp, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"));
      if (p.nodePort !== undefined && !needsNodePorts(spec))
        causes.push({ reason: "FieldValueForbidden", field: `${at}.nodePort`, message: `Forbidden: may not be used when \`type\` is '${type}'` });
      if (p.nodePort !== undefined && (p.nodePort < 1 || p.nodePort > 65535)) causes.push(invalidCause(`${at}.nodePort`, p.nodePort, "must be between 1 and 65535, inclusive"));
      const key = `${p.port}/${p.protocol ?? "TCP"}`;
      if (seen.has(key)) causes.push({ reason: "FieldValueDuplicate", field: at, message: `Duplicate value: ${JSON.stringify(key)}` });
      seen.add(key);
    }
    causes.push(...labelMapErrors(spec.selector, "spec.selector"));
    const affinities = ["ClientIP", "None"];
    if (spec.sessionAffinity && !affinities.includes(spec.sessionAffinity)) causes.push(notSupportedCause("spec.sessionAffinity", spec.sessionAffinity, affinities));
    if (spec.sessionAffinity === "ClientIP") {
      const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
      if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_AFFINITY_TIMEOUT)
        causes.push(invalidCause("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout ?? 0, `must be greater than 0 and less than ${MAX_AFFINITY_TIMEOUT}`));
    } else if (spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null)
      causes.push({ reason: "FieldValueForbidden", field: "spec.sessionAffinityConfig", message: `Forbidden: must not be set when session affinity is ${spec.sessionAffinity ?? "None"}` });
    if (type !== "ExternalName") {
      const policies = ["SingleStack", "PreferDualStack", "RequireDualStack"];
      const headlessOpen = spec.clusterIP === "None" && !Object.keys(spec.selector ?? {}).length;
      if (spec.ipFamilyPolicy && !policies.includes(spec.ipFamilyPolicy)) causes.push(notSupportedCause("spec.ipFamilyPolicy", spec.ipFamilyPolicy, policies));
      else if (spec.ipFamilyPolicy === "RequireDualStack" && !headlessOpen)
        causes.push(invalidCause("spec.ipFamilyPolicy", spec.ipFamilyPolicy, "this cluster is not configured for dual-stack services"));
      for (const [i, f] of (spec.ipFamilies ?? []).entries()) {
        if (f !== "IPv4" && f !== "IPv6") causes.push(notSupportedCause(`spec.ipFamilies[${i}]`, f, ["IPv4", "IPv6"]));
        else if (f === "IPv6" && !headlessOpen) causes.push(invalidCause(`spec.ipFamilies[${i}]`, f, "not configured on this cluster"));
      }
      const policies2 = ["Cluster", "Local"];
      if (spec.internalTrafficPolicy && !policies2.includes(spec.internalTrafficPolicy)) causes.push(notSupportedCause("spec.internalTrafficPolicy", spec.internalTrafficPolicy, policies2));
      if (spec.externalTrafficPolicy && !policies2.includes(spec.externalTrafficPolicy)) causes.push(notSupportedCause("spec.externalTrafficPolicy", spec.externalTrafficPolicy, policies2));
    }
    return causes;
  },
  claim: (w, obj) => allocateServiceAddresses(w.tx, obj, clusterNetwork()),
};

/**
 * What an update carries over from the stored Service (kube-apiserver's patchAllocatedValues and
 * dropTypeDependentFields): a cluster IP and node ports the write leaves out stay as allocated; a change of type that
 * no longer has them drops those it did not change itself (they are given back).
 */
function carryOver(spec: ServiceSpec, old: ServiceSpec): void {
  if (needsClusterIP(old) && needsClusterIP(spec) && old.clusterIP) {
    if (!spec.clusterIP && !spec.clusterIPs?.length) {
      spec.clusterIP = old.clusterIP;
      spec.clusterIPs = old.clusterIPs ?? [old.clusterIP];
    }
  }
  if (needsNodePorts(old) && needsNodePorts(spec)) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort !== undefined) continue;
      const was = (old.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      if (was?.nodePort !== undefined) p.nodePort = was.nodePort;
    }
  }
  const sameIPs = spec.clusterIP === old.clusterIP;
  if (spec.type === "ExternalName" && old.type !== "ExternalName") {
    if (sameIPs) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (JSON.stringify(spec.ipFamilies) === JSON.stringify(old.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === old.ipFamilyPolicy) delete spec.ipFamilyPolicy;
    if (spec.internalTrafficPolicy === old.internalTrafficPolicy) delete spec.internalTrafficPolicy;
  }
  if (!needsNodePorts(spec) && needsNodePorts(old)) {
    for (const p of spec.ports ?? []) {
      const was = (old.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      if (p.nodePort !== undefined && was?.nodePort === p.nodePort) delete p.nodePort;
    }
  }
  if (spec.type !== "NodePort" && spec.type !== "LoadBalancer" && spec.externalTrafficPolicy === old.externalTrafficPolicy) delete spec.externalTrafficPolicy;
}

/** spec.clusterIP(s): an IPv4 address or "None", one of them, the type allowing it, and never changed once set. */
function clusterIPErrors(spec: ServiceSpec, old: ServiceSpec | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const type = spec.type ?? "ClusterIP";
  const ips = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
  if (type === "ExternalName") {
    if (ips.length) causes.push(invalidCause("spec.clusterIPs", ips, "must be empty for ExternalName services"));
    return causes;
  }
  if (ips.length > 1) causes.push(invalidCause("spec.clusterIPs", ips, "this cluster is not configured for dual-stack services"));
  const first = ips[0];
  if (first !== undefined) {
    if (spec.clusterIP !== undefined && spec.clusterIP !== first) causes.push(invalidCause("spec.clusterIPs[0]", first, "must match `clusterIP` when set"));
    if (first === "None") {
      if (type === "NodePort" || type === "LoadBalancer") causes.push(invalidCause("spec.clusterIPs[0]", first, `may not be set to 'None' for ${type} services`));
    } else if (ipv4ToNumber(first) === null) causes.push(invalidCause("spec.clusterIPs[0]", first, "must be a valid IPv4 address (e.g. 10.9.8.7): this cluster is single-stack IPv4"));
  }
  if (old && old.type !== "ExternalName" && type !== "ExternalName" && old.clusterIP && (spec.clusterIP ?? "") !== old.clusterIP)
    causes.push(invalidCause("spec.clusterIPs[0]", spec.clusterIP ?? "", "may not change once set"));
  return causes;
}
