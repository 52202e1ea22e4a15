// POST /api/v1/hosts/{id}/volumes/prune — {all?}: remove the volumes no container uses (anonymous ones only, unless all).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { pruneVolumesBody } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    // The body is optional: an empty POST prunes anonymous volumes only.
    const { all } = req.headers.get("content-type") ? await parseJson(req, pruneVolumesBody) : { all: undefined };
    return runHostCommand({ req, actor, activityId }, id, { kind: "volume.prune", all });
  },
  { permission: "containers.manage", scope: "host" },
);
