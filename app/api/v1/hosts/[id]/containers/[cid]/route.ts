// GET /api/v1/hosts/{id}/containers/{cid} — inspect one container. DELETE — remove it (?force=true&volumes=true).
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery, parseParam } from "@/lib/http/parse";
import { containerRefParam, removeContainerQuery } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const cid = parseParam(containerRefParam, params.cid, "container id");
    return runHostCommand({ req, actor, activityId }, id, { kind: "container.inspect", id: cid });
  },
  { permission: "containers.read", scope: "host" },
);

export const DELETE = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const cid = parseParam(containerRefParam, params.cid, "container id");
    const { force, volumes, queue } = parseQuery(req, removeContainerQuery);
    return runHostCommand({ req, actor, activityId }, id, { kind: "container.remove", id: cid, force, volumes }, { queue });
  },
  { permission: "containers.manage", scope: "host" },
);
