// The agent ↔ control-plane protocol, typed once: zod schemas both ends parse with, the socket.io event maps, and the
// version checked at the handshake. The agent imports this file too, so it stays free of server-only imports.
import { z } from "zod";
import { InventoryMessage, StreamData, StreamEnd, type CommandReply, type CommandRequest, type StreamOpen, type StreamOpenReply } from "./commands";
import { InventoryPage } from "./inventory";
import { PodStatusMessage, type PodsSync } from "./pods";
import type { ServicesSync } from "./services";
import { HostNetworkFacts, type NetworkSync } from "./network";

/** Bumped on any incompatible change; an agent speaking another version is refused at the handshake. */
export const PROTOCOL_VERSION = 1;
export const AGENT_NAMESPACE = "/agent";
export const SOCKET_PATH = "/socket.io";
export const JOIN_PATH = "/api/v1/agents/join";

/** The socket.io room holding the connection(s) of one host, so the server can reach or cut it. */
export const agentRoom = (hostId: number) => `host:${hostId}`;

const JOIN_TOKEN_RE = /^gjt_[A-Za-z0-9_-]{43}$/;
const CREDENTIAL_RE = /^gch_[A-Za-z0-9_-]{43}$/;
export const JoinTokenString = z.string().regex(JOIN_TOKEN_RE, "a join token looks like gjt_ followed by 43 characters");
export const CredentialString = z.string().regex(CREDENTIAL_RE, "a host credential looks like gch_ followed by 43 characters");

const shortText = z.string().max(256);

export const CgroupVersion = z.enum(["v1", "hybrid", "v2", "unknown"]);

/** What an agent reports about its machine. Sizes in bytes. */
export const HostFacts = z.object({
  hostname: z.string().min(1).max(253),
  os: z.object({
    id: shortText.nullable(),
    name: shortText.nullable(),
    version: shortText.nullable(),
    prettyName: shortText.nullable(),
  }),
  kernel: shortText,
  arch: z.string().min(1).max(32),
  cpus: z.number().int().min(1).max(65536),
  memoryBytes: z.number().int().nonnegative(),
  disk: z.object({
    path: z.string().max(4096),
    totalBytes: z.number().int().nonnegative(),
    freeBytes: z.number().int().nonnegative(),
  }),
  cgroupVersion: CgroupVersion,
  engineVersion: shortText.nullable(),
  agentVersion: z.string().min(1).max(64),
  /** Where this host is on the pod overlay (lib/protocol/network.ts); absent from agents before it, or when unknown. */
  network: HostNetworkFacts.optional(),
});
export type HostFacts = z.infer<typeof HostFacts>;

// ---- HTTP: joining (unauthenticated by design: the join token is the proof) ----

export const JoinRequest = z
  .object({
    token: JoinTokenString,
    facts: HostFacts,
    /**
     * The credential the agent will hold, made by the agent (32 random bytes) and kept only as a hash by the control
     * plane. Sending it makes the join safe to retry: an agent whose first answer was lost (a timeout in a join storm)
     * asks again with the same token and credential and gets the same host back, instead of "token already used".
     * Without it the control plane makes one (agents before this field).
     */
    credential: CredentialString.optional(),
  })
  .strict();
export type JoinRequest = z.infer<typeof JoinRequest>;

export const JoinResponse = z.object({
  hostId: z.number().int().positive(),
  name: z.string(),
  credential: CredentialString,
  protocolVersion: z.number().int(),
});
export type JoinResponse = z.infer<typeof JoinResponse>;

// ---- socket.io namespace /agent ----

/** socket.handshake.auth sent by the agent on every connection. */
export const AgentHandshake = z
  .object({
    protocolVersion: z.number().int(),
    credential: CredentialString,
  })
  .strict();
export type AgentHandshake = z.infer<typeof AgentHandshake>;

/** Why a handshake was refused: connect_error's `data`. Permanent refusals stop the agent; the others are retried. */
export const RefusalCode = z.enum(["bad_handshake", "protocol_version", "unauthorized", "revoked", "unavailable"]);
export type RefusalCode = z.infer<typeof RefusalCode>;
export const Refusal = z.object({
  code: RefusalCode,
  reason: z.string(),
  /** With "unavailable": the control plane is taking in a crowd of connections; come back after this long. */
  retryAfterMs: z.number().int().min(0).max(3_600_000).optional(),
});
export type Refusal = z.infer<typeof Refusal>;
export const PERMANENT_REFUSALS: readonly RefusalCode[] = ["bad_handshake", "protocol_version", "unauthorized", "revoked"];

/** Sent first on every connection: the facts as they are now. */
export const HelloMessage = z.object({ facts: HostFacts }).strict();
export type HelloMessage = z.infer<typeof HelloMessage>;

/** Sent every heartbeat interval (10 s ± jitter). */
export const HeartbeatMessage = z
  .object({
    seq: z.number().int().nonnegative(),
    sentAt: z.iso.datetime(),
  })
  .strict();
export type HeartbeatMessage = z.infer<typeof HeartbeatMessage>;

/** Sent when the facts changed since the last hello or facts message (checked every few minutes). */
export const FactsMessage = z.object({ facts: HostFacts }).strict();
export type FactsMessage = z.infer<typeof FactsMessage>;

/** Every agent → server event and the schema of its single payload. */
export const AGENT_MESSAGES = {
  hello: HelloMessage,
  heartbeat: HeartbeatMessage,
  facts: FactsMessage,
  "stream.data": StreamData,
  "stream.end": StreamEnd,
  /** The inventory in bounded pages (lib/protocol/inventory.ts): what agents of this release send. */
  "inventory.page": InventoryPage,
  /** The inventory in one message, as agents before paging sent it: recorded as a sync of one page. */
  inventory: InventoryMessage,
  /** One pod's status (lib/protocol/pods.ts), pushed whenever it changes and for every pod after each connection. */
  "pods.status": PodStatusMessage,
} as const;
export type AgentMessageName = keyof typeof AGENT_MESSAGES;

/**
 * A refusal of a message. With `retryAfterMs` nothing was recorded because the control plane is busy (a fleet
 * reconnecting at once): the agent sends the same message again after that long (plus jitter) — it is not an error.
 */
const Refused = z.object({ ok: z.literal(false), error: z.string(), retryAfterMs: z.number().int().min(0).max(3_600_000).optional() });

/**
 * The reply (socket.io acknowledgement) to every agent message. Replies to hello and heartbeat carry
 * `reconnectWindowMs`: after losing the connection, reconnect at a random moment within this long (and retry no more
 * often than that) — the window grows with the fleet, so a control-plane restart is not met by every host at once.
 */
export const Ack = z.union([z.object({ ok: z.literal(true), reconnectWindowMs: z.number().int().min(0).max(600_000).optional() }), Refused]);
export type Ack = z.infer<typeof Ack>;

/** Pushed by the server when a message came without an acknowledgement callback and was rejected. */
export const ProtocolError = z.object({ event: z.string(), reason: z.string() });
export type ProtocolError = z.infer<typeof ProtocolError>;

/** Pushed by the server right before it cuts a revoked host's connection. */
export const RevokedMessage = z.object({ reason: z.string() });
export type RevokedMessage = z.infer<typeof RevokedMessage>;

/** server → agent `credential.rotate`: the host's new credential; acknowledged once the agent has stored it on disk. */
export const CredentialRotate = z.object({ credential: CredentialString }).strict();
export type CredentialRotate = z.infer<typeof CredentialRotate>;

export interface AgentToServerEvents {
  hello: (msg: HelloMessage, ack: (r: Ack) => void) => void;
  heartbeat: (msg: HeartbeatMessage, ack: (r: Ack) => void) => void;
  facts: (msg: FactsMessage, ack: (r: Ack) => void) => void;
  "stream.data": (msg: StreamData) => void;
  "stream.end": (msg: StreamEnd) => void;
  "inventory.page": (msg: InventoryPage, ack: (r: Ack) => void) => void;
  inventory: (msg: InventoryMessage, ack: (r: Ack) => void) => void;
  "pods.status": (msg: PodStatusMessage, ack: (r: Ack) => void) => void;
}

export interface ServerToAgentEvents {
  /** The host was revoked: the server disconnects right after; the agent must not come back with this credential. */
  revoked: (msg: RevokedMessage) => void;
  protocol_error: (msg: ProtocolError) => void;
  /** A command for this host (lib/protocol/commands.ts); answered through the acknowledgement. */
  command: (req: CommandRequest, ack: (reply: CommandReply) => void) => void;
  "stream.open": (msg: StreamOpen, ack: (reply: StreamOpenReply) => void) => void;
  "stream.credit": (msg: { streamId: string; bytes: number }) => void;
  "stream.input": (msg: { streamId: string; data: string; encoding?: "base64" }, ack?: (written: boolean) => void) => void;
  "stream.resize": (msg: { streamId: string; cols: number; rows: number }) => void;
  "stream.close": (msg: { streamId: string }) => void;
  /** The complete set of pods bound to this host (lib/protocol/pods.ts); acknowledged once the agent took it. */
  "pods.sync": (msg: PodsSync, ack: (r: Ack) => void) => void;
  /** Every Service with its endpoints (lib/protocol/services.ts): full after each hello, then deltas; { ok: false }
   *  asks for a full set again. */
  "services.sync": (msg: ServicesSync, ack: (r: Ack) => void) => void;
  /** The pod network's state for this host (lib/protocol/network.ts), complete; acknowledged once applied. */
  "network.sync": (msg: NetworkSync, ack: (r: Ack) => void) => void;
  /** A new credential for this host (lib/hosts/rotate-credential.ts); acknowledged once stored. */
  "credential.rotate": (msg: CredentialRotate, ack: (r: Ack) => void) => void;
}

/** "facts.cpus: expected number, received string" — the first problem zod found, for a reply a person can act on. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join(".") : "(payload)"}: ${i.message}`)
    .join("; ");
}
