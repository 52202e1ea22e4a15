// GET /api/v1/metrics/targets — Prometheus HTTP service discovery (http_sd_configs): the control plane itself and each
// host one may read, as scrape targets on this control plane (/metrics, /metrics/hosts/{id}), labelled with the host.
import { withAuth } from "@/lib/http/with-auth";
import { metricsTargets } from "@/lib/metrics/scrape-host-metrics";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => metricsTargets(actor, req), { permission: "metrics.read", scope: "somewhere" });
