// The shapes the container, image and metrics routes under /api/v1 accept (request bodies reuse the command
// protocol's own schemas, lib/protocol/commands.ts, so the API and the agent agree by construction).
import { z } from "zod";
import { hostIdNumber } from "@/lib/hosts/host-id";
import { VolumeName } from "@/lib/protocol/commands";
import { LogRecord } from "@/lib/protocol/logs";

/** How /api/v1/openapi.json describes {id} (the routes parse it with lib/hosts/host-id.ts, which also bounds it). */
export const hostIdParam = z.string().regex(/^[1-9][0-9]{0,9}$/, "a host id is a positive whole number").describe("host id (1 to 2147483647)");
export const containerRefParam = z.string().min(1).max(256).describe("container id, id prefix or name");

const boolString = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** ?queue=true: when the host is offline, queue the command to run on reconnect instead of refusing it. */
export const commandQuery = z.object({ queue: boolString.optional() }).strict();

export const listHostContainersQuery = z.object({ all: boolString.optional().describe("include stopped containers") }).strict();

export const removeContainerQuery = z
  .object({ force: boolString.optional(), volumes: boolString.optional(), queue: boolString.optional() })
  .strict();

export const CONTAINER_ACTIONS = ["start", "stop", "restart", "kill", "pause", "unpause"] as const;

export const containerActionBody = z
  .object({
    action: z.enum(CONTAINER_ACTIONS),
    timeoutSeconds: z.number().int().min(0).max(3600).optional().describe("stop and restart: seconds before SIGKILL"),
    signal: z.string().regex(/^(SIG)?[A-Z0-9+-]{1,16}$|^[0-9]{1,2}$/, "a signal name like SIGTERM or a number").optional().describe("kill only"),
  })
  .strict()
  .refine((b) => b.action === "kill" || b.signal === undefined, { message: "signal applies to kill only", path: ["signal"] })
  .refine((b) => b.action === "stop" || b.action === "restart" || b.timeoutSeconds === undefined, {
    message: "timeoutSeconds applies to stop and restart only",
    path: ["timeoutSeconds"],
  });
export type ContainerActionBody = z.infer<typeof containerActionBody>;

export const imageRef = z.string().min(1, "an image reference is required").max(512);

export const removeImageQuery = z.object({ ref: imageRef, force: boolString.optional() }).strict();

export const tagImageBody = z.object({ source: imageRef, target: imageRef }).strict();

export const queuedView = z.object({ status: z.literal("queued"), queuedCommandId: z.string() });

export const logsQuery = z
  .object({
    follow: boolString.optional().describe("keep the response open and send new lines as they are written"),
    tail: z.union([z.literal("all"), z.coerce.number().int().min(0).max(1_000_000)]).optional().describe("the last N lines, or all"),
    since: z.string().max(64).optional().describe("RFC 3339 time or Unix seconds"),
    until: z.string().max(64).optional(),
    timestamps: boolString.optional(),
    stdout: boolString.optional(),
    stderr: boolString.optional(),
  })
  .strict();

/**
 * One NDJSON line of GET …/logs — a whole line of the container's output (lib/protocol/logs.ts; `partial` only for a
 * last line the container never finished) — and, when the stream ends, {end: true, error?}.
 */
export const logLineView = z.union([
  LogRecord,
  z.object({ end: z.literal(true), error: z.string().optional() }),
]);

export const pullBody = z.object({ ref: imageRef }).strict();

/** One NDJSON line of POST …/images/pull: the agent's progress events as they come, then {end: true, error?}. */
export const pullLineView = z.union([z.object({ event: z.unknown() }), z.object({ end: z.literal(true), error: z.string().optional() })]);

export const FLEET_CONTAINER_SORTS = ["name", "-name", "created", "-created", "state", "-state", "image", "-image", "host", "-host"] as const;

/** GET /api/v1/containers: the fleet's containers from the inventory. */
export const listFleetContainersQuery = z
  .object({
    host: hostIdNumber.optional().describe("only this host's"),
    state: z.string().min(1).max(32).optional().describe("running, exited, paused, created, …"),
    image: z.string().min(1).max(512).optional(),
    label: z.string().min(1).max(2048).optional().describe("KEY (present) or KEY=VALUE"),
    name: z.string().min(1).max(256).optional().describe("part of the name, any case"),
    sort: z.enum(FLEET_CONTAINER_SORTS).default("name").describe("a field; a leading - sorts descending"),
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

/** A network as a URL segment names it: its name or id (prefix). */
export const networkRefParam = z.string().min(1).max(128).describe("network name or id");

export const networkConnectBody = z
  .object({
    container: z.string().min(1, "a container id or name is required").max(256),
    aliases: z.array(z.string().min(1).max(253)).max(32).optional().describe("more DNS names for the container on this network"),
  })
  .strict();

export const networkDisconnectBody = z.object({ container: z.string().min(1, "a container id or name is required").max(256) }).strict();

export const removeVolumeQuery = z
  .object({
    name: VolumeName.describe("the volume to remove"),
    force: boolString.optional().describe("even while containers use it (they lose it)"),
  })
  .strict();

export const pruneImagesBody = z
  .object({ all: z.boolean().optional().describe("every image no container uses, tagged too — not only untagged ones") })
  .strict();

export const pruneVolumesBody = z
  .object({ all: z.boolean().optional().describe("named volumes too, not only anonymous ones (never one a container uses)") })
  .strict();
