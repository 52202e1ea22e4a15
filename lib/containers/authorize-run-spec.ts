// Whether an actor may run a RunSpec on a host: containers.run there, and containers.host-access there for every field
// that reaches into the host (lib/containers/host-access-fields.ts). An attempt that needs host access leaves its own activity row —
// allowed or refused, naming the fields — besides the request's row; a refusal is a 403 naming each field. Asked by
// every use case that runs a container (run, recreate) before anything is sent to the host.
import { authorizeHost, can, refusal, type Actor } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { recordActivity } from "@/lib/activity/record-activity";
import type { RunSpec } from "@/lib/protocol/commands";
import { hostAccessFields } from "./host-access-fields";

export async function authorizeRunSpec(actor: Actor, hostId: number, spec: RunSpec, where: { ip?: string | null; userAgent?: string | null } = {}): Promise<void> {
  authorizeHost(actor, "containers.run", hostId);
  const fields = hostAccessFields(spec);
  if (!fields.length) return;
  const allowed = can(actor, "containers.host-access", { hostId });
  await recordActivity({
    actor,
    action: "containers.host-access",
    target: `hosts/${hostId}/containers`,
    outcome: allowed ? "ok" : "forbidden",
    ip: where.ip ?? null,
    userAgent: where.userAgent ?? null,
    details: { hostId, image: spec.image, fields: fields.map((f) => ({ path: f.path, value: f.value })) },
  });
  if (!allowed) {
    const what = fields.map((f) => `${f.path} ("${f.value}") is ${f.reason}`).join("; ");
    throw new GantryError(
      "forbidden",
      `${refusal(actor, "containers.host-access")}, which this needs: ${what}`,
      fields.map((f) => ({ path: f.path, message: `${f.reason}: needs the containers.host-access right (owners and admins)` })),
    );
  }
}
