// POST /api/v1/hosts/{id}/containers/{cid}/recreate — replace a container by one made from a RunSpec, keeping the
// original until the new one runs (lib/containers/recreate-container.ts); 201 with the new container.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { RunSpec } from "@/lib/protocol/commands";
import { containerRefParam } from "@/lib/fleet-api/schemas";
import { clientAddress } from "@/lib/activity/client-address";
import { recreateContainer } from "@/lib/containers/recreate-container";
import { hostIdFrom } from "../../../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth(
  async ({ req, actor, params }) => {
    const id = hostIdFrom(params);
    const cid = parseParam(containerRefParam, params.cid, "container id");
    const spec = await parseJson(req, RunSpec);
    return recreateContainer(actor, id, cid, spec, { ip: clientAddress(req.headers), userAgent: req.headers.get("user-agent") });
  },
  { permission: "containers.manage", scope: "host", status: 201 },
);
