// GET /api/v1/hosts/{id}/containers — the host's containers, asked live (?all=true: stopped ones too).
// POST — run a container (create + start) from a RunSpec; ?queue=true queues it while the host is offline.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseQuery } from "@/lib/http/parse";
import { RunSpec } from "@/lib/protocol/commands";
import { commandQuery, listHostContainersQuery } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const { all } = parseQuery(req, listHostContainersQuery);
    return runHostCommand({ req, actor, activityId }, id, { kind: "container.list", all });
  },
  { permission: "containers.read", scope: "host" },
);

export const POST = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const { queue } = parseQuery(req, commandQuery);
    const spec = await parseJson(req, RunSpec);
    return runHostCommand({ req, actor, activityId }, id, { kind: "container.run", spec }, { queue, status: 201 });
  },
  { permission: "containers.run", scope: "host" },
);
