// POST /api/v1/hosts/{id}/networks/{network}/disconnect — {container}: detach a container from the network.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { networkDisconnectBody, networkRefParam } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth<Record<string, string>>(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const network = parseParam(networkRefParam, params.network, "network");
    const { container } = await parseJson(req, networkDisconnectBody);
    return runHostCommand({ req, actor, activityId }, id, { kind: "network.disconnect", network, container });
  },
  { permission: "containers.manage", scope: "host" },
);
