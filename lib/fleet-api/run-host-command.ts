// The one call every container, image and metrics route makes: send a command to a host on behalf of the actor, with
// the request's Idempotency-Key header (the actor's own, for mutations) and ?queue=true honoured; a queued command
// answers 202 with its id. What it does is noted for the request's activity row in words and names
// (lib/fleet-api/command-summary.ts). container.run and container.inspect go through their use cases (lib/containers/run-container.ts asks for host access
// where the spec needs it; lib/containers/inspect-container.ts withholds secret env values from those without logs).
import { sendCommand, type HostCommand } from "@/lib/fleet";
import type { Actor } from "@/lib/auth/policy";
import { json } from "@/lib/http/respond";
import { clientAddress } from "@/lib/activity/client-address";
import { runContainer } from "@/lib/containers/run-container";
import { inspectContainer } from "@/lib/containers/inspect-container";
import { noteActivity } from "@/lib/activity/activity-note";
import { commandSummary, summaryAfter } from "./command-summary";

export async function runHostCommand(
  { req, actor, activityId }: { req: Request; actor: Actor; activityId: number | null },
  hostId: number,
  command: HostCommand,
  opts: { queue?: boolean; status?: number } = {},
): Promise<Response> {
  const idempotencyKey = req.headers.get("idempotency-key") ?? undefined;
  const queueIfOffline = opts.queue ?? false;
  // What the activity row says, with names (noted before sending, so a refusal reads as well as a success).
  const summary = req.method === "GET" ? null : await commandSummary(hostId, command);
  if (summary) noteActivity(summary);
  const outcome =
    command.kind === "container.run"
      ? await runContainer(actor, hostId, command.spec, { idempotencyKey, activityId, queueIfOffline, ip: clientAddress(req.headers), userAgent: req.headers.get("user-agent") })
      : command.kind === "container.inspect"
        ? ({ status: "done", result: await inspectContainer(actor, hostId, command.id, { idempotencyKey }) } as const)
        : await sendCommand(hostId, command, { actorId: actor.id, activityId, idempotencyKey, queueIfOffline });
  if (outcome.status === "queued") {
    if (summary) noteActivity({ ...summary, extra: `${summary.extra ?? ""} (queued until the host is back)`.trim() });
    return json({ status: "queued", queuedCommandId: outcome.queuedCommandId }, 202);
  }
  if (summary) noteActivity(summaryAfter(summary, command, outcome.result));
  return json(outcome.result ?? null, opts.status ?? 200);
}
