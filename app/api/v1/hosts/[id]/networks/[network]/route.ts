// DELETE /api/v1/hosts/{id}/networks/{network} — remove a network no container is attached to (by name or id).
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { networkRefParam } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../host-id";

export const dynamic = "force-dynamic";

export const DELETE = withAuth<Record<string, string>>(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const network = parseParam(networkRefParam, params.network, "network");
    return runHostCommand({ req, actor, activityId }, id, { kind: "network.remove", network });
  },
  { permission: "containers.manage", scope: "host" },
);
