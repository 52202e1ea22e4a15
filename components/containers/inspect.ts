// The parts of a container's inspect data (Docker's format, as GET /api/v1/hosts/{id}/containers/{cid} returns it)
// that the container page shows: the schema the control plane checks every agent's answer with (lib/protocol/results).
// Every field but the id is optional: an agent of another version may leave some out.
export type { ContainerInspect } from "@/lib/protocol/results";
import type { ContainerInspect } from "@/lib/protocol/results";

/** The container's name without Docker's leading slash. */
export function containerName(c: ContainerInspect): string {
  return (c.Name ?? "").replace(/^\//, "") || c.Id.slice(0, 12);
}

/** A Docker timestamp, or null for the zero time Docker writes for "never". */
export function realTime(iso: string | undefined): string | null {
  return iso && !iso.startsWith("0001-") ? iso : null;
}
