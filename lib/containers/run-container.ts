// Runs a container on a host for an actor: containers.run on that host, and containers.host-access there for every
// field that reaches into the host (lib/containers/authorize-run-spec.ts, asked once there for every use case that runs
// one). A refusal is a 403 naming each field, and nothing is sent to the host.
import type { Actor } from "@/lib/auth/policy";
import { sendCommand, type CommandOutcome } from "@/lib/fleet";
import type { RunSpec } from "@/lib/protocol/commands";
import { authorizeRunSpec } from "./authorize-run-spec";

export interface RunContainerOptions {
  idempotencyKey?: string;
  /** The request's activity row, completed with the verdict if the control plane dies mid-run (lib/fleet). */
  activityId?: number | null;
  queueIfOffline?: boolean;
  /** Where the request came from, for the activity record. */
  ip?: string | null;
  userAgent?: string | null;
}

export async function runContainer(actor: Actor, hostId: number, spec: RunSpec, opts: RunContainerOptions = {}): Promise<CommandOutcome> {
  await authorizeRunSpec(actor, hostId, spec, opts);
  return sendCommand(hostId, { kind: "container.run", spec }, {
    actorId: actor.id,
    idempotencyKey: opts.idempotencyKey,
    activityId: opts.activityId,
    queueIfOffline: opts.queueIfOffline ?? false,
  });
}
