// The command protocol between the control plane and an agent: what the server may ask a host to do, the envelope it
// travels in (id, deadline), and the reply. Both ends parse with these schemas; the agent imports this file too, so it
// stays free of server-only imports.
import { z } from "zod";
import { INVENTORY_LABEL_BYTES, mapBytes } from "./inventory";

const MAX_ENV_BYTES = 128 << 10;

const ContainerRef = z.string().min(1, "a container id or name is required").max(256);
const ImageRef = z.string().min(1, "an image reference is required").max(512);
/** A container name as the engine takes it (agent/containers/names.ts): 2+ characters, a letter or digit first. */
export const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ContainerName = z.string().max(128, "a container name has at most 128 characters").regex(CONTAINER_NAME, 'a container name starts with a letter or digit, then letters, digits, "_", "." or "-"');
const Seconds = z.number().int().min(0).max(3600);

export const PortSpec = z
  .object({
    host: z.number().int().min(0).max(65535).optional(),
    hostIp: z.string().max(64).optional(),
    container: z.number().int().min(1).max(65535),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
  })
  .strict();

// A volume source is a named volume (Docker's volume-name rule) or an absolute host path — a bind mount, which needs
// the containers.host-access right (lib/containers/host-access-fields.ts) and passes the agent's bind rules
// (agent/commands/bind-rules.ts). Neither side may hold ":", the separator of the Binds string the agent builds.
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
export const VolumeSpec = z
  .object({
    source: z
      .string()
      .min(1)
      .max(4096)
      .refine((s) => s.startsWith("/") || VOLUME_NAME.test(s), 'a volume source is a volume name (letters, digits, "_", "." or "-") or an absolute host path')
      .refine((s) => !s.includes(":"), 'a volume source may not contain ":"'),
    target: z
      .string()
      .min(1)
      .max(4096)
      .startsWith("/", "a volume target must be an absolute path")
      .refine((s) => !s.includes(":"), 'a volume target may not contain ":"'),
    readOnly: z.boolean().default(false),
  })
  .strict();

const DurationSeconds = z.number().min(0.001, "a duration is at least 1 ms").max(86_400, "a duration is at most a day");
/** A healthcheck as `docker run --health-cmd` gives it: test ["CMD", argv…], ["CMD-SHELL", "a shell line"] or ["NONE"]. */
export const HealthcheckSpec = z
  .object({
    test: z
      .array(z.string().max(65536))
      .min(1)
      .max(1024)
      .refine((t) => ["CMD", "CMD-SHELL", "NONE"].includes(t[0]!), 'a healthcheck test starts with "CMD", "CMD-SHELL" or "NONE"')
      .refine((t) => t[0] === "NONE" || (t.length > 1 && t[1] !== ""), "a healthcheck test needs a command after CMD or CMD-SHELL"),
    intervalSeconds: DurationSeconds.optional(),
    timeoutSeconds: DurationSeconds.optional(),
    startPeriodSeconds: DurationSeconds.optional(),
    retries: z.number().int().min(0).max(1000).optional(),
  })
  .strict();
export type HealthcheckSpec = z.infer<typeof HealthcheckSpec>;
const NetworkNameRef = z.string().min(1).max(256).regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a network name starts with a letter or digit, then letters, digits, "_", "." or "-"');

/** What `container.run` creates and starts; the agent turns it into the Engine API's create body. */
export const RunSpec = z
  .object({
    image: ImageRef,
    name: z.string().min(1).max(128).optional(),
    cmd: z.array(z.string().max(65536)).max(1024).optional(),
    entrypoint: z.array(z.string().max(65536)).max(1024).optional(),
    env: z.record(z.string().min(1).max(1024), z.string().max(65536)).refine((m) => mapBytes(m) <= MAX_ENV_BYTES, `env takes at most ${MAX_ENV_BYTES >> 10} KiB`).optional(),
    ports: z.array(PortSpec).max(256).optional(),
    volumes: z.array(VolumeSpec).max(256).optional(),
    memoryBytes: z.number().int().min(0).optional(),
    cpus: z.number().min(0).max(1024).optional(),
    pidsLimit: z.number().int().min(0).optional(),
    restartPolicy: z
      .object({ name: z.enum(["no", "always", "unless-stopped", "on-failure"]), maxRetries: z.number().int().min(0).optional() })
      .strict()
      .optional(),
    // Every label fits the inventory (lib/protocol/inventory.ts), so what the API creates is listed in full.
    labels: z.record(z.string().min(1).max(1024), z.string().max(65536)).refine((m) => mapBytes(m) <= INVENTORY_LABEL_BYTES, `labels take at most ${INVENTORY_LABEL_BYTES >> 10} KiB`).optional(),
    /** A network name, "bridge", "none", or — with containers.host-access — "host" or "container:<id>". */
    network: z.string().min(1).max(256).optional(),
    workdir: z.string().min(1).max(4096).optional(),
    user: z.string().min(1).max(256).optional(),
    hostname: z.string().min(1).max(253).optional(),
    /** Keep stdin open for an attach stream, like `docker run -i`. */
    interactive: z.boolean().optional(),
    /** Give the container a terminal, like `docker run -t`. */
    tty: z.boolean().optional(),
    /** `docker run --health-*`: replaces the image's HEALTHCHECK (its unset durations are the image's). */
    healthcheck: HealthcheckSpec.optional(),
    /** Networks joined besides `network` (by name), as `docker network connect` before the first start would. */
    networks: z.array(NetworkNameRef).max(16, "at most 16 more networks").optional(),
  })
  .strict();
export type RunSpec = z.infer<typeof RunSpec>;

// ---- networks and volumes (protocol additions: an agent older than these answers "invalid command: command.kind: …",
// which lib/fleet/dispatch-command.ts turns into a clear "this host's agent does not know …") ----

export const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NetworkRef = z.string().min(1, "a network name or id is required").max(128);
export const NetworkName = z
  .string()
  .min(1, "a network name is required")
  .max(128, "a network name has at most 128 characters")
  .regex(NETWORK_NAME, 'a network name starts with a letter or digit, then letters, digits, "_", "." or "-"');
export const VolumeName = z
  .string()
  .min(2, "a volume name has at least 2 characters")
  .max(255, "a volume name has at most 255 characters")
  .regex(VOLUME_NAME, 'a volume name starts with a letter or digit, then letters, digits, "_", "." or "-"');
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const Ipv4Address = z.string().max(15).regex(IPV4, "an IPv4 address like 10.10.0.1");
const Ipv4Subnet = z
  .string()
  .max(18)
  .refine((s) => {
    const [addr, len, ...rest] = s.split("/");
    return rest.length === 0 && IPV4.test(addr ?? "") && /^\d{1,2}$/.test(len ?? "") && Number(len) <= 32;
  }, "a subnet in IPv4 CIDR notation like 10.10.0.0/24");
/** Labels on networks and volumes: a few short key=value pairs. */
const ResourceLabels = z
  .record(z.string().min(1, "a label key cannot be empty").max(256), z.string().max(4096))
  .refine((l) => Object.keys(l).length <= 64, "at most 64 labels");

export const NetworkCreateSpec = z
  .object({
    name: NetworkName,
    subnet: Ipv4Subnet.optional().describe("IPv4 CIDR; picked from the agent's pool when absent"),
    gateway: Ipv4Address.optional().describe("needs subnet; its first address when absent"),
    internal: z.boolean().optional().describe("no outbound traffic beyond the bridge"),
    labels: ResourceLabels.optional(),
  })
  .strict()
  .refine((s) => s.gateway === undefined || s.subnet !== undefined, { message: "a gateway needs a subnet as well", path: ["gateway"] });
export type NetworkCreateSpec = z.infer<typeof NetworkCreateSpec>;

export const VolumeCreateSpec = z
  .object({
    name: VolumeName,
    driver: z.literal("local", { message: 'the only volume driver is "local"' }).optional(),
    labels: ResourceLabels.optional(),
  })
  .strict();
export type VolumeCreateSpec = z.infer<typeof VolumeCreateSpec>;

export const HostCommand = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("container.list"), all: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal("container.inspect"), id: ContainerRef }).strict(),
  z.object({ kind: z.literal("container.run"), spec: RunSpec }).strict(),
  z.object({ kind: z.literal("container.start"), id: ContainerRef }).strict(),
  z.object({ kind: z.literal("container.pause"), id: ContainerRef }).strict(),
  z.object({ kind: z.literal("container.unpause"), id: ContainerRef }).strict(),
  z.object({ kind: z.literal("container.stop"), id: ContainerRef, timeoutSeconds: Seconds.optional() }).strict(),
  z.object({ kind: z.literal("container.restart"), id: ContainerRef, timeoutSeconds: Seconds.optional() }).strict(),
  z.object({ kind: z.literal("container.kill"), id: ContainerRef, signal: z.string().min(1).max(32).optional() }).strict(),
  z.object({ kind: z.literal("container.remove"), id: ContainerRef, force: z.boolean().optional(), volumes: z.boolean().optional() }).strict(),
  // `docker rename`: a recreate sets the original aside under another name and gives it back if the new one fails.
  z.object({ kind: z.literal("container.rename"), id: ContainerRef, name: ContainerName }).strict(),
  z.object({ kind: z.literal("image.list") }).strict(),
  z.object({ kind: z.literal("image.tag"), source: ImageRef, target: ImageRef }).strict(),
  z.object({ kind: z.literal("image.remove"), ref: ImageRef, force: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal("image.prune"), all: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal("host.metrics") }).strict(),
  z.object({ kind: z.literal("host.prometheus") }).strict(),
  z.object({ kind: z.literal("network.list") }).strict(),
  z.object({ kind: z.literal("network.create"), spec: NetworkCreateSpec }).strict(),
  z.object({ kind: z.literal("network.remove"), network: NetworkRef }).strict(),
  z
    .object({
      kind: z.literal("network.connect"),
      network: NetworkRef,
      container: ContainerRef,
      aliases: z.array(z.string().min(1).max(253)).max(32).optional(),
    })
    .strict(),
  z.object({ kind: z.literal("network.disconnect"), network: NetworkRef, container: ContainerRef }).strict(),
  z.object({ kind: z.literal("volume.list") }).strict(),
  z.object({ kind: z.literal("volume.create"), spec: VolumeCreateSpec }).strict(),
  z.object({ kind: z.literal("volume.remove"), name: VolumeName, force: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal("volume.prune"), all: z.boolean().optional() }).strict(),
]);
export type HostCommand = z.infer<typeof HostCommand>;
export type HostCommandKind = HostCommand["kind"];

/** How an agent's refusal of a command kind it does not know begins: agent/commands/run-command.ts says so, and agents
 * that predate that answer send zod's own message for the field, which begins the same way. */
export const UNKNOWN_KIND_REPLY = "invalid command: command.kind: ";

/** server → agent "command": one request; the agent answers through the socket.io acknowledgement. */
export const CommandRequest = z
  .object({
    id: z.string().min(1).max(64),
    command: HostCommand,
    /** When the server stops waiting; an agent that receives the request later does not run it. */
    deadline: z.iso.datetime(),
  })
  .strict();
export type CommandRequest = z.infer<typeof CommandRequest>;

/** How a command failed, in the control plane's error vocabulary (lib/errors.ts codes). */
export const CommandErrorCode = z.enum(["bad_request", "not_found", "conflict", "unprocessable", "unavailable", "internal"]);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;

export const CommandReply = z.union([
  z.object({ id: z.string(), ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ id: z.string(), ok: z.literal(false), error: z.object({ code: CommandErrorCode, message: z.string().max(4096) }).strict() }).strict(),
]);
export type CommandReply = z.infer<typeof CommandReply>;

// ---- results (what the agent answers per kind; the server parses them too) ----

export const ContainerSummary = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  command: z.string(),
  state: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  labels: z.record(z.string(), z.string()),
  ports: z.array(z.object({ container: z.number().int(), protocol: z.string(), host: z.number().int().nullable(), hostIp: z.string().nullable() })),
});
export type ContainerSummary = z.infer<typeof ContainerSummary>;

export const ImageSummary = z.object({
  id: z.string(),
  repoTags: z.array(z.string()),
  repoDigests: z.array(z.string()),
  sizeBytes: z.number(),
  createdAt: z.string().nullable(),
});
export type ImageSummary = z.infer<typeof ImageSummary>;

export const HostMetrics = z.object({
  at: z.string(),
  cpuPercent: z.number(),
  load: z.tuple([z.number(), z.number(), z.number()]),
  memory: z.object({ usedBytes: z.number(), totalBytes: z.number() }),
  disk: z.object({ path: z.string(), usedBytes: z.number(), totalBytes: z.number() }),
});
export type HostMetrics = z.infer<typeof HostMetrics>;

/** A network on a host, with the containers attached to it. */
export const NetworkSummary = z.object({
  id: z.string(),
  name: z.string(),
  driver: z.string(),
  /** bridge, host and none: made by the agent, never removed. */
  builtin: z.boolean(),
  internal: z.boolean(),
  subnet: z.string().nullable(),
  gateway: z.string().nullable(),
  createdAt: z.string(),
  labels: z.record(z.string(), z.string()),
  containers: z.array(z.object({ id: z.string(), name: z.string(), ipv4: z.string().nullable() })),
});
export type NetworkSummary = z.infer<typeof NetworkSummary>;

/** A named volume on a host: its size on disk and the containers that use it. */
export const VolumeSummary = z.object({
  name: z.string(),
  driver: z.string(),
  createdAt: z.string(),
  labels: z.record(z.string(), z.string()),
  mountpoint: z.string(),
  /** Made for a `-v /path` with no name (prune removes only these unless asked for all). */
  anonymous: z.boolean(),
  /** Bytes of its data; null when it could not be measured. */
  sizeBytes: z.number().nullable(),
  containers: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type VolumeSummary = z.infer<typeof VolumeSummary>;

export const VolumePruneResult = z.object({ deleted: z.array(z.string()), spaceReclaimedBytes: z.number() });
export type VolumePruneResult = z.infer<typeof VolumePruneResult>;

/** `docker image prune`: the image ids deleted, the tags taken off them (only with `all`), the bytes freed. */
export const ImagePruneResult = z.object({ deleted: z.array(z.string()), untagged: z.array(z.string()), spaceReclaimedBytes: z.number() });
export type ImagePruneResult = z.infer<typeof ImagePruneResult>;

// ---- streams: logs, exec, attach, stats, image pull progress ----
// Credit-based flow control: the server grants bytes (the window at open, then as its consumer drains); the agent
// sends at most that many bytes of chunk data, so a stalled consumer stalls only its own stream and nothing grows
// without bound on either side.

const TimeArg = z.string().max(64);
export const StreamSpec = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("logs"),
      id: ContainerRef,
      follow: z.boolean().optional(),
      tail: z.union([z.number().int().min(0), z.literal("all")]).optional(),
      since: TimeArg.optional(),
      until: TimeArg.optional(),
      timestamps: z.boolean().optional(),
      stdout: z.boolean().optional(),
      stderr: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("exec"),
      id: ContainerRef,
      cmd: z.array(z.string().max(65536)).min(1, "an exec command is required").max(1024),
      tty: z.boolean().optional(),
      env: z.array(z.string().max(65536)).max(1024).optional(),
      user: z.string().max(256).optional(),
      workdir: z.string().max(4096).optional(),
      cols: z.number().int().min(1).max(1000).optional(),
      rows: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
  z.object({ kind: z.literal("attach"), id: ContainerRef, stdin: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal("stats"), id: ContainerRef }).strict(),
  z.object({ kind: z.literal("image.pull"), ref: ImageRef }).strict(),
  // A TCP connection to `port` of the pod whose container `id` is (its sandbox's address on this host's bridge, or
  // loopback for a pod on the host's network): bytes both ways, base64 in chunks and input (kubectl port-forward).
  z.object({ kind: z.literal("portforward"), id: ContainerRef, port: z.number().int().min(1).max(65535) }).strict(),
]);
export type StreamSpec = z.infer<typeof StreamSpec>;

/** Binary data travels as base64 (`encoding: "base64"`); without it `data` is text. */
const Encoding = z.literal("base64");
/**
 * `partial` frames a log record (lib/protocol/logs.ts): set, `data` is one record's line without its newline and
 * `partial` says whether the line goes on; absent (agents before it), `data` is the log's text with its newlines.
 */
export const StreamChunk = z
  .object({
    stream: z.enum(["stdout", "stderr", "event"]),
    data: z.string(),
    time: z.string().max(64).optional(),
    encoding: Encoding.optional(),
    partial: z.boolean().optional(),
  })
  .strict();
export type StreamChunk = z.infer<typeof StreamChunk>;

const StreamId = z.string().min(1).max(64);
const Bytes = z.number().int().min(1).max(1 << 30);

/** server → agent "stream.open" (acknowledged {ok} once the stream runs, or with the reason it cannot). */
export const StreamOpen = z.object({ streamId: StreamId, spec: StreamSpec, credit: Bytes }).strict();
export type StreamOpen = z.infer<typeof StreamOpen>;
export const StreamOpenReply = z.union([
  z.object({ ok: z.literal(true) }).strict(),
  z.object({ ok: z.literal(false), error: z.object({ code: CommandErrorCode, message: z.string().max(4096) }).strict() }).strict(),
]);
export type StreamOpenReply = z.infer<typeof StreamOpenReply>;
/** server → agent: more bytes may be sent. */
export const StreamCredit = z.object({ streamId: StreamId, bytes: Bytes }).strict();
/**
 * server → agent: stdin for exec/attach, bytes for a port-forward; empty data is the end of input (the process reads
 * EOF, the connection is half-closed). Sent with an acknowledgement, it is acknowledged once the agent wrote it out
 * (a port-forward's connection took it): the server's flow control for input.
 */
export const StreamInput = z.object({ streamId: StreamId, data: z.string().max(1 << 20), encoding: Encoding.optional() }).strict();
export const StreamResize = z.object({ streamId: StreamId, cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }).strict();
export const StreamClose = z.object({ streamId: StreamId }).strict();

/** agent → server: chunks of one stream, their data's UTF-8 bytes within the credit granted. */
export const StreamData = z.object({ streamId: StreamId, chunks: z.array(StreamChunk).min(1).max(10_000) }).strict();
export type StreamData = z.infer<typeof StreamData>;
/** agent → server: the stream is over (an exec's exit code, or why it failed). */
export const StreamEnd = z
  .object({ streamId: StreamId, exitCode: z.number().int().optional(), error: z.string().max(4096).optional() })
  .strict();
export type StreamEnd = z.infer<typeof StreamEnd>;

/** The bytes a chunk counts against the credit (a base64 chunk's encoded length: both ends count the same). */
export const chunkBytes = (c: { data: string }) => Buffer.byteLength(c.data, "utf8");

// ---- inventory: agent → server "inventory", the host's containers and images in full (on connect and on each change) ----
export const InventoryMessage = z.object({ containers: z.array(ContainerSummary).max(100_000), images: z.array(ImageSummary).max(100_000) }).strict();
export type InventoryMessage = z.infer<typeof InventoryMessage>;
