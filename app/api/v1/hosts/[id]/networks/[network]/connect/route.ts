// POST /api/v1/hosts/{id}/networks/{network}/connect — {container, aliases?}: attach a container (now if it runs, and
// at every start).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { networkConnectBody, networkRefParam } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth<Record<string, string>>(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const network = parseParam(networkRefParam, params.network, "network");
    const { container, aliases } = await parseJson(req, networkConnectBody);
    return runHostCommand({ req, actor, activityId }, id, { kind: "network.connect", network, container, ...(aliases ? { aliases } : {}) });
  },
  { permission: "containers.manage", scope: "host" },
);
