// GET /api/v1/hosts/{id}/images — the host's images. DELETE ?ref=&force= — remove an image (or one of its tags).
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { removeImageQuery } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor, params, activityId }) => runHostCommand({ req, actor, activityId }, hostIdFrom(params), { kind: "image.list" }), {
  permission: "images.read",
  scope: "host",
});

export const DELETE = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const { ref, force } = parseQuery(req, removeImageQuery);
    return runHostCommand({ req, actor, activityId }, id, { kind: "image.remove", ref, force });
  },
  { permission: "images.manage", scope: "host" },
);
