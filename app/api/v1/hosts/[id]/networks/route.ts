// GET /api/v1/hosts/{id}/networks — the host's networks with their attached containers, asked live.
// POST {name, subnet?, gateway?, internal?, labels?} — create a bridge network on the host.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { NetworkCreateSpec } from "@/lib/protocol/commands";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor, params, activityId }) => runHostCommand({ req, actor, activityId }, hostIdFrom(params), { kind: "network.list" }), {
  permission: "containers.read",
  scope: "host",
});

export const POST = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const spec = await parseJson(req, NetworkCreateSpec);
    return runHostCommand({ req, actor, activityId }, id, { kind: "network.create", spec }, { status: 201 });
  },
  { permission: "containers.manage", scope: "host" },
);
