// The fleet's command interface, as the API, the CLI and the UI see it (see .helpers/fleet-contract.md).
export type { HostCommand, HostCommandKind, RunSpec, ContainerSummary, ImageSummary, HostMetrics } from "@/lib/protocol/commands";

export interface CommandOptions {
  /** Who asked (activity record); null for the system. */
  actorId: string | null;
  /**
   * The same key from the same actor for the same kind on the same host within 24 h returns the first outcome again;
   * the command is not run twice. Ignored for reads (list, inspect, metrics).
   */
  idempotencyKey?: string;
  /** The activity row of the request (lib/http/with-auth.ts), completed with the verdict if this process dies. */
  activityId?: number | null;
  /** How long to wait for the host's answer (default 30 s). */
  deadlineMs?: number;
  /** Host offline: false (default) → a conflict error saying so; true → queued, run in order when it reconnects. */
  queueIfOffline?: boolean;
}

export type CommandOutcome = { status: "done"; result: unknown } | { status: "queued"; queuedCommandId: string };
