// The path parameters of the Kubernetes objects' pages and routes: a namespace (DNS-1123 label) and a name (DNS-1123
// subdomain, as most kinds take).
import { z } from "zod";

export const kubeObjectParams = {
  namespace: z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label"),
  name: z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS-1123 subdomain"),
};
