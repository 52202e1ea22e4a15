// GET /metrics/hosts/{id} — one host's agent metrics in Prometheus text format (agent/metrics.ts), fetched over the
// agent's link when scraped: hosts open no port for them. Scraped with an API token of someone who may read the host;
// GET /api/v1/metrics/targets lists these for Prometheus's http_sd.
import { withAuth } from "@/lib/http/with-auth";
import { scrapeHostMetrics } from "@/lib/metrics/scrape-host-metrics";
import { hostIdFrom } from "@/app/api/v1/hosts/host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ actor, params }) =>
    new Response(await scrapeHostMetrics(actor, hostIdFrom(params)), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" } }),
  { permission: "metrics.read", scope: "host" },
);
