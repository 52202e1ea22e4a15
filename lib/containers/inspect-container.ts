// Inspects one container on a host for an actor (containers.read). Secret-looking env values are withheld from those
// without containers.logs — they may not read what the container prints, which carries the same secrets — so the REST
// API and the container page, which both call this, never hand them out (lib/containers/secret-env.ts).
import { authorizeHost, can, type Actor } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { sendCommand } from "@/lib/fleet";
import { withholdInspectSecrets } from "./secret-env";

export async function inspectContainer(actor: Actor, hostId: number, ref: string, opts: { idempotencyKey?: string } = {}): Promise<unknown> {
  authorizeHost(actor, "containers.read", hostId);
  const outcome = await sendCommand(hostId, { kind: "container.inspect", id: ref }, { actorId: actor.id, idempotencyKey: opts.idempotencyKey });
  // Never queued (queueIfOffline is off): an offline host throws instead.
  if (outcome.status !== "done") throw new GantryError("internal", "the inspect command was queued");
  return can(actor, "containers.logs", { hostId }) ? outcome.result : withholdInspectSecrets(outcome.result);
}
