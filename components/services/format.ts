// How a Service's ports read in the dashboard: kubectl's PORT(S) ("80/TCP", "80:30080/TCP") with the target.
import type { ServiceSummary } from "@/lib/services/schemas";

export function formatPorts(ports: ServiceSummary["ports"]): string {
  if (!ports.length) return "none";
  return ports.map((p) => `${p.name ? `${p.name} ` : ""}${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol} → ${p.targetPort}`).join(", ");
}

export function formatClusterIP(s: Pick<ServiceSummary, "type" | "clusterIP" | "externalName">): string {
  if (s.type === "ExternalName") return s.externalName ? `CNAME ${s.externalName}` : "none";
  if (s.clusterIP === "None") return "None (headless)";
  return s.clusterIP ?? "not allocated";
}
