// A host's Prometheus metrics, asked of its agent when scraped (host.prometheus), and the scrape targets Prometheus
// discovers over HTTP (http_sd): this control plane's own /metrics for those who may read the whole fleet, and
// /metrics/hosts/{id} for every host the actor may read.
import { db } from "@/lib/db";
import { can, hostIdsFor, type Actor } from "@/lib/auth/policy";
import { sendCommand } from "@/lib/fleet";
import { serverContext } from "@/lib/server-context";

export async function scrapeHostMetrics(actor: Actor, hostId: number): Promise<string> {
  // Never queued (no queueIfOffline): an offline host is a 409, which Prometheus records as the target down.
  const outcome = await sendCommand(hostId, { kind: "host.prometheus" }, { actorId: actor.id, activityId: null });
  return (outcome as { result: { text: string } }).result.text;
}

export interface ScrapeTarget {
  targets: string[];
  labels: Record<string, string>;
}

export async function metricsTargets(actor: Actor, req: Request): Promise<ScrapeTarget[]> {
  // Where Prometheus reaches this control plane: its public URL, as join commands give it to agents.
  const base = new URL(serverContext.maybe()?.publicUrl ?? req.url);
  const scheme = base.protocol.replace(":", "");
  const out: ScrapeTarget[] = [];
  if (can(actor, "metrics.read")) out.push({ targets: [base.host], labels: { __scheme__: scheme, __metrics_path__: "/metrics", gantry_component: "control-plane" } });
  const ids = hostIdsFor(actor, "metrics.read");
  const hosts = await db.host.findMany({
    where: { revokedAt: null, ...(ids === "all" ? {} : { id: { in: ids } }) },
    select: { id: true, name: true },
    orderBy: { id: "asc" },
  });
  for (const h of hosts) {
    out.push({
      targets: [base.host],
      labels: { __scheme__: scheme, __metrics_path__: `/metrics/hosts/${h.id}`, gantry_component: "agent", gantry_host: h.name, gantry_host_id: String(h.id) },
    });
  }
  return out;
}
