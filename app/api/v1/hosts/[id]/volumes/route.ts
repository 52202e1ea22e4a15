// GET /api/v1/hosts/{id}/volumes — the host's volumes with their size and the containers using them, asked live.
// POST {name, driver?, labels?} — create a volume. DELETE ?name=&force= — remove one (refused while in use, unless force).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseQuery } from "@/lib/http/parse";
import { VolumeCreateSpec } from "@/lib/protocol/commands";
import { removeVolumeQuery } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor, params, activityId }) => runHostCommand({ req, actor, activityId }, hostIdFrom(params), { kind: "volume.list" }), {
  permission: "containers.read",
  scope: "host",
});

export const POST = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const spec = await parseJson(req, VolumeCreateSpec);
    return runHostCommand({ req, actor, activityId }, id, { kind: "volume.create", spec }, { status: 201 });
  },
  { permission: "containers.manage", scope: "host" },
);

export const DELETE = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const { name, force } = parseQuery(req, removeVolumeQuery);
    return runHostCommand({ req, actor, activityId }, id, { kind: "volume.remove", name, force });
  },
  { permission: "containers.manage", scope: "host" },
);
