// POST /api/v1/hosts/{id}/images/prune — {all?}: remove the images no container uses (untagged ones only, unless all).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { pruneImagesBody } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    // The body is optional: an empty POST prunes untagged images only.
    const { all } = req.headers.get("content-type") ? await parseJson(req, pruneImagesBody) : { all: undefined };
    return runHostCommand({ req, actor, activityId }, id, { kind: "image.prune", all });
  },
  { permission: "images.manage", scope: "host" },
);
