// GET /metrics — the control plane's Prometheus metrics (text format 0.0.4; lib/metrics/control-plane-metrics.ts).
// Scraped with an API token (Authorization: Bearer gat_…) of someone who may read the whole fleet.
import { withAuth } from "@/lib/http/with-auth";
import { controlPlaneMetrics } from "@/lib/metrics/control-plane-metrics";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async () => {
    const { registry } = controlPlaneMetrics();
    return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
  },
  { permission: "metrics.read" },
);
