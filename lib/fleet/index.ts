// The fleet's server-side interface: commands to hosts (now, queued, idempotent) and, as they land, streams and the
// inventory. Route handlers, socket handlers and the CLI's API all call these.
export type { CommandOptions, CommandOutcome, HostCommand, HostCommandKind, RunSpec, ContainerSummary, ImageSummary, HostMetrics } from "./commands";
export { sendCommand, IDEMPOTENCY_WINDOW_MS } from "./send-command";
export { DEFAULT_DEADLINE_MS } from "./dispatch-command";
export { getQueuedCommandOrThrow, type QueuedCommandView } from "./get-queued-command-or-throw";
export { openStream, streamGauges, DEFAULT_WINDOW_BYTES, type StreamSpec, type StreamChunk, type StreamHandlers, type StreamHandle, type StreamGauge } from "./streams";
export { listContainers, CONTAINER_SORTS, type ListContainersQuery, type FleetContainer, type ContainerSort } from "./list-containers";
export { listImages } from "./list-images";
