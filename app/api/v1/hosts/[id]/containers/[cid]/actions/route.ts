// POST /api/v1/hosts/{id}/containers/{cid}/actions — {action: start|stop|restart|kill|pause|unpause, timeoutSeconds?, signal?}
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseQuery, parseParam } from "@/lib/http/parse";
import type { HostCommand } from "@/lib/fleet";
import { commandQuery, containerActionBody, containerRefParam, type ContainerActionBody } from "@/lib/fleet-api/schemas";
import { runHostCommand } from "@/lib/fleet-api/run-host-command";
import { hostIdFrom } from "../../../../host-id";

export const dynamic = "force-dynamic";

function commandFor(id: string, b: ContainerActionBody): HostCommand {
  switch (b.action) {
    case "stop":
    case "restart":
      return { kind: `container.${b.action}`, id, timeoutSeconds: b.timeoutSeconds };
    case "kill":
      return { kind: "container.kill", id, signal: b.signal };
    default:
      return { kind: `container.${b.action}`, id };
  }
}

export const POST = withAuth(
  async ({ req, actor, params, activityId }) => {
    const id = hostIdFrom(params);
    const cid = parseParam(containerRefParam, params.cid, "container id");
    const { queue } = parseQuery(req, commandQuery);
    const body = await parseJson(req, containerActionBody);
    return runHostCommand({ req, actor, activityId }, id, commandFor(cid, body), { queue });
  },
  { permission: "containers.manage", scope: "host" },
);
