// A container run under an idempotency key carries the id of the request that created it as a label, so the host can
// say afterwards whether that run happened — what settles a claim whose sender died (lib/fleet/settle-claim.ts).
import type { HostCommand } from "@/lib/protocol/commands";

export const COMMAND_LABEL = "gantry.command";

/** The kinds that change nothing: an idempotency key means nothing for them and is not honoured. */
export const READ_ONLY_KINDS: ReadonlySet<string> = new Set(["container.list", "container.inspect", "image.list", "host.metrics", "host.prometheus"]);

export function withCommandLabel(command: HostCommand, commandId: string): HostCommand {
  if (command.kind !== "container.run") return command;
  return { ...command, spec: { ...command.spec, labels: { ...command.spec.labels, [COMMAND_LABEL]: commandId } } };
}
