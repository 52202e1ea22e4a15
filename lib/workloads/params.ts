// The path parameters of the Kubernetes objects' pages and routes (/deployments/{namespace}/{name},
// /api/v1/namespaces/{namespace}/secrets/{name}/reveal, …): a namespace is a DNS-1123 label, an object's name a DNS-1123
// subdomain (as most kinds take), as the Kubernetes API names them.
import { z } from "zod";

export const NamespaceParam = z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label");
export const NameParam = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS-1123 subdomain");

export const kubeObjectParams = { namespace: NamespaceParam, name: NameParam };

/** The namespace and name of a workload page's address, or null when either is not a valid name. */
export function workloadParams(p: { namespace: string; name: string }): { namespace: string; name: string } | null {
  const namespace = NamespaceParam.safeParse(decodeURIComponent(p.namespace));
  const name = NameParam.safeParse(decodeURIComponent(p.name));
  return namespace.success && name.success ? { namespace: namespace.data, name: name.data } : null;
}
