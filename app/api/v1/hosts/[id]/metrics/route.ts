// GET /api/v1/hosts/{id}/metrics — CPU %, load, memory and disk of the host, asked now.
import { withAuth } from "@/lib/http/with-auth";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor, params, activityId }) => runHostCommand({ req, actor, activityId }, hostIdFrom(params), { kind: "host.metrics" }), {
  permission: "hosts.read",
  scope: "host",
});
