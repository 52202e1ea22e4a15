// GET /api/v1/hosts/{id}/events — the host's containers by state and what happened on it lately (activity records too, for activity.read).
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { hostEventsQuery } from "@/lib/hosts/host-events-schemas";
import { listHostEvents } from "@/lib/hosts/list-host-events";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor, params }) => listHostEvents(actor, hostIdFrom(params), parseQuery(req, hostEventsQuery)), {
  permission: "hosts.read",
  scope: "host",
});
