// The one call every container, image and metrics route makes: send a command to a host on behalf of the actor, with
// the request's Idempotency-Key header and ?queue=true honoured; a queued command answers 202 with its id.
import { sendCommand, type HostCommand } from "@/lib/fleet";
import type { Actor } from "@/lib/auth/policy";
import { json } from "@/lib/http/respond";

export async function runHostCommand(
  req: Request,
  actor: Actor,
  hostId: number,
  command: HostCommand,
  opts: { queue?: boolean; status?: number } = {},
): Promise<Response> {
  const idempotencyKey = req.headers.get("idempotency-key") ?? undefined;
  const outcome = await sendCommand(hostId, command, { actorId: actor.id, idempotencyKey, queueIfOffline: opts.queue ?? false });
  if (outcome.status === "queued") return json({ status: "queued", queuedCommandId: outcome.queuedCommandId }, 202);
  return json(outcome.result ?? null, opts.status ?? 200);
}
