// POST /api/v1/hosts/{id}/images/tag — {source, target}: give an image on the host another name.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { tagImageBody } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const { source, target } = await parseJson(req, tagImageBody);
    return runHostCommand({ req, actor, activityId }, id, { kind: "image.tag", source, target }, { status: 201 });
  },
  { permission: "images.manage", scope: "host" },
);
