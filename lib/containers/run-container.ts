// Runs a container on a host for an actor: containers.run on that host, and containers.host-access there for every field that
// reaches into the host (lib/containers/host-access-fields.ts). Every transport that runs a container calls this, so
// the rule is asked once, here. An attempt that needs host access leaves its own activity row — allowed or refused,
// naming the fields — besides the request's row; a refusal is a 403 naming each field, and nothing is sent to the host.
import { authorizeHost, can, type Actor } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { recordActivity } from "@/lib/activity/record-activity";
import { sendCommand, type CommandOutcome } from "@/lib/fleet";
import type { RunSpec } from "@/lib/protocol/commands";
import { hostAccessFields } from "./host-access-fields";

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
  authorizeHost(actor, "containers.run", hostId);
  const fields = hostAccessFields(spec);
  if (fields.length) {
    const allowed = can(actor, "containers.host-access", { hostId });
    await recordActivity({
      actor,
      action: "containers.host-access",
      target: `hosts/${hostId}/containers`,
      outcome: allowed ? "ok" : "forbidden",
      ip: opts.ip ?? null,
      userAgent: opts.userAgent ?? null,
      details: { hostId, image: spec.image, fields: fields.map((f) => ({ path: f.path, value: f.value })) },
    });
    if (!allowed) {
      const what = fields.map((f) => `${f.path} ("${f.value}") is ${f.reason}`).join("; ");
      throw new GantryError(
        "forbidden",
        `your role (${actor.role}) does not allow containers.host-access, which this needs: ${what}`,
        fields.map((f) => ({ path: f.path, message: `${f.reason}: needs the containers.host-access right (owners and admins)` })),
      );
    }
  }
  return sendCommand(hostId, { kind: "container.run", spec }, {
    actorId: actor.id,
    idempotencyKey: opts.idempotencyKey,
    activityId: opts.activityId,
    queueIfOffline: opts.queueIfOffline ?? false,
  });
}
