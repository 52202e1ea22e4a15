// A v1 Service's spec as the control plane reads it (lib/k8s/kinds/service.ts validates it), and what its type asks of
// the cluster's ranges.
export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  ports?: ServicePort[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalIPs?: string[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalName?: string;
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  publishNotReadyAddresses?: boolean;
  allocateLoadBalancerNodePorts?: boolean;
  [field: string]: unknown;
}

/** ClusterIP-bearing types (all but ExternalName) get a virtual IP unless headless (clusterIP "None"). */
export const needsClusterIP = (spec: ServiceSpec) => (spec.type ?? "ClusterIP") !== "ExternalName" && spec.clusterIP !== "None";

/** NodePort Services, and LoadBalancer ones unless allocateLoadBalancerNodePorts is false, get a node port per port. */
export const needsNodePorts = (spec: ServiceSpec) =>
  spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);

/** kube-proxy's default ClientIP affinity timeout (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT = 10800;
export const MAX_AFFINITY_TIMEOUT = 86400;
