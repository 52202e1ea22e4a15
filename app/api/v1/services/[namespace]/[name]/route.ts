// GET /api/v1/services/{namespace}/{name} — one Service with the endpoints behind it: pods, readiness and their hosts
// (asked in its namespace: one outside the caller's scopes is a 404).
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { getServiceOrThrow } from "@/lib/services/get-service-or-throw";
import { serviceParams } from "@/lib/services/schemas";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ params }) => getServiceOrThrow(parseParam(serviceParams.namespace, params.namespace, "namespace"), parseParam(serviceParams.name, params.name, "name")),
  { permission: "k8s.read", scope: "namespace" },
);
