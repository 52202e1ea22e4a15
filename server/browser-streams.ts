// Read-only streams from hosts over the /browser socket: the live logs viewer, a container's CPU and memory charts,
// and image pull progress.
//   "stream:open" {hostId, spec} → ack {ok, streamId} | {ok:false, error, code}
//       spec: {kind:"logs", id, follow?, tail?, since?, until?, timestamps?, stdout?, stderr?} (containers.logs)
//             {kind:"stats", id} (containers.read) · {kind:"image.pull", ref} (images.manage)
//   server → "stream:data" {streamId, chunks:[{stream, data, time?}]}: acknowledge it to receive more (flow control);
//            chunks that arrive in the same tick travel in one message, so 20,000 lines/s are not 20,000 emits
//   server → "stream:end" {streamId, exitCode?, error?}
//   "stream:close" {streamId}
// Each open is authorized through lib/auth/policy with the actor re-read, and each open stream stays authorized: when
// the socket's live actor (server/browser-actor.ts) may no longer do what the stream needs — demoted, disabled, signed
// out everywhere, token revoked — it ends at once with the reason. A pull, being a mutation, is written to the activity
// record. A browser that stops acknowledging stalls only its own stream (lib/fleet/streams holds the window). At most
// MAX_STREAMS_PER_SOCKET per connection, counted from the moment an open is accepted (before anything is awaited);
// a connection that drops closes every stream, those still opening included.
import type { Socket } from "socket.io";
import { z } from "zod";
import { can, describe, type Action } from "@/lib/auth/policy";
import { openStream, type StreamChunk, type StreamHandle, type StreamSpec } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";
import { recordActivity } from "@/lib/activity/record-activity";
import { PENDING, completeActivity } from "@/lib/activity/record-request-activity";
import { clientAddress } from "@/lib/activity/client-address";
import { GantryError } from "@/lib/errors";
import { hostIdNumber } from "@/lib/hosts/host-id";
import { hostRefusal, type LiveActor } from "./browser-actor";

const StreamOpen = z
  .object({
    hostId: hostIdNumber,
    // Shape checked here only as far as routing needs; lib/fleet/streams validates the spec in full.
    spec: z.object({ kind: z.enum(["logs", "stats", "image.pull"]) }).passthrough(),
  })
  .strict();
const StreamClose = z.object({ streamId: z.string().min(1).max(64) }).strict();

/** What a browser needs to open each kind of stream. */
export const STREAM_PERMISSIONS: Record<"logs" | "stats" | "image.pull", Action> = {
  logs: "containers.logs",
  stats: "containers.read",
  "image.pull": "images.manage",
};

const MAX_STREAMS_PER_SOCKET = 64;
/** An unchecked spec field as text for the activity record (String() throws on objects like {"toString": 1}). */
const asText = (v: unknown) => (typeof v === "string" ? v : v === undefined ? "" : (JSON.stringify(v) ?? ""));
const LOGS_WINDOW_BYTES = 1 << 20;

/** One stream from the moment its open is accepted: the handle arrives once the host has opened it. */
interface OpenStream {
  permission: Action;
  /** Asked on this host (lib/auth/policy.ts scopes): a binding that no longer reaches it ends the stream. */
  hostId: number;
  handle: StreamHandle | null;
  closed: boolean;
  /** Closes it on the host; `error` is the reason the browser is told (none when the browser closed it). */
  end(error?: string): void;
}

export function attachStreamEvents(socket: Socket, live: LiveActor) {
  /** Every accepted open, opened or still opening; an opened stream is in `streams` under its id too. */
  const accepted = new Set<OpenStream>();
  const streams = new Map<string, OpenStream>();
  const headers = { get: (n: string) => (socket.handshake.headers[n] as string | undefined) ?? null };
  const from = { ip: clientAddress(headers) ?? socket.handshake.address?.replace(/^::ffff:/, "") ?? null, userAgent: headers.get("user-agent") };

  live.watch({
    active: () => accepted.size > 0,
    changed: (actor) => {
      for (const s of [...accepted]) {
        if (can(actor, s.permission, { hostId: s.hostId })) continue;
        s.end(`the stream was closed: ${actor ? `${describe(actor)} no longer allows ${s.permission} on host ${s.hostId}` : "your session or token is no longer valid"}`);
      }
    },
  });

  socket.on("stream:open", async (raw: unknown, ack?: (r: unknown) => void) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const parsed = StreamOpen.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: `invalid stream: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`, code: "bad_request" });
    const { hostId, spec } = parsed.data;
    const permission = STREAM_PERMISSIONS[spec.kind];
    // The slot is taken now, before anything is awaited: parallel opens cannot all pass the check.
    if (accepted.size >= MAX_STREAMS_PER_SOCKET) return reply({ ok: false, error: `at most ${MAX_STREAMS_PER_SOCKET} streams per connection`, code: "conflict" });
    let streamId = "";
    let ended = false;
    let endReason: string | undefined;
    const entry: OpenStream = {
      permission,
      hostId,
      handle: null,
      closed: false,
      end: (error) => {
        if (entry.closed) return;
        entry.closed = true;
        endReason = error;
        accepted.delete(entry);
        entry.handle?.close(); // still opening: closed as soon as the host answers
      },
    };
    accepted.add(entry);

    const actor = await live.refresh();
    const refused = hostRefusal(actor, permission, hostId);
    if (refused || !actor) {
      accepted.delete(entry);
      return reply(refused ?? { ok: false, error: "unauthorized", code: "unauthorized" });
    }
    if (entry.closed) return reply({ ok: false, error: "the connection closed before the stream opened", code: "conflict" });

    let started = false;
    const early: Array<() => void> = [];
    const whenStarted = (f: () => void) => (started ? f() : early.push(f));
    // Chunks gathered within one tick go out as one message; its acknowledgement returns their credit.
    let batch: StreamChunk[] = [];
    let batchBytes = 0;
    const flush = () => {
      const chunks = batch;
      const bytes = batchBytes;
      batch = [];
      batchBytes = 0;
      if (chunks.length && !ended) socket.emit("stream:data", { streamId, chunks }, () => streams.get(streamId)?.handle?.credit(bytes));
    };
    const target = spec.kind === "image.pull" ? `hosts/${hostId}/images` : `hosts/${hostId}/containers/${asText((spec as { id?: unknown }).id)}`;
    // A pull is a mutation: its record is written before it starts (pending), and completed with how it ended.
    const pullDetails = { event: "pull", ref: asText((spec as { ref?: unknown }).ref) };
    const intent =
      spec.kind === "image.pull" ? await recordActivity({ actor, action: "images.manage", target, outcome: PENDING, ...from, details: pullDetails }).catch(() => null) : null;
    const settle = async (outcome: string, error?: string) => {
      if (intent !== null) return completeActivity(intent, outcome, error ? { verb: "pull", object: pullDetails.ref, extra: error } : undefined);
      await recordActivity({ actor, action: "images.manage", target, outcome, ...from, details: { ...pullDetails, ...(error ? { error } : {}) } }).catch(() => {});
    };
    try {
      const handle = await openStream(
        hostId,
        spec as unknown as StreamSpec,
        {
          onChunk: (c) =>
            whenStarted(() => {
              if (!batch.length) setImmediate(flush);
              batch.push(c);
              batchBytes += chunkBytes(c);
            }),
          onEnd: (r) =>
            whenStarted(() => {
              if (endReason === undefined) flush();
              ended = true;
              accepted.delete(entry);
              streams.delete(streamId);
              socket.emit("stream:end", { streamId, ...(endReason !== undefined ? { error: endReason } : r) });
              if (spec.kind === "image.pull") void settle(r.error ? "error" : "ok", r.error);
            }),
        },
        // Logs get a wider window: a burst of 20,000 lines/s is not held back by one acknowledgement's round trip.
        { actorId: actor.id, ...(spec.kind === "logs" ? { windowBytes: LOGS_WINDOW_BYTES } : {}) },
      );
      streamId = handle.id;
      entry.handle = handle;
      if (entry.closed) {
        // The connection dropped or access was withdrawn while the host was opening it.
        handle.close();
        return reply({ ok: false, error: "the stream was closed while it opened", code: "conflict" });
      }
      streams.set(streamId, entry);
      reply({ ok: true, streamId });
      started = true;
      for (const f of early.splice(0)) f();
    } catch (e) {
      accepted.delete(entry);
      if (spec.kind === "image.pull") await settle(e instanceof GantryError ? e.code : "internal");
      reply({ ok: false, error: e instanceof GantryError ? e.message : `could not open the ${spec.kind} stream`, code: e instanceof GantryError ? e.code : "internal" });
    }
  });
  // Closing takes access away, so it needs none.
  socket.on("stream:close", (raw: unknown) => {
    const p = StreamClose.safeParse(raw);
    if (!p.success) return;
    streams.get(p.data.streamId)?.end();
    streams.delete(p.data.streamId);
  });
  socket.on("disconnect", () => {
    for (const s of [...accepted]) s.end("the browser disconnected");
    streams.clear();
  });
}
