// Read-only streams from hosts over the /browser socket: the live logs viewer, a container's CPU and memory charts,
// and image pull progress.
//   "stream:open" {hostId, spec} → ack {ok, streamId} | {ok:false, error, code}
//       spec: {kind:"logs", id, follow?, tail?, since?, until?, timestamps?, stdout?, stderr?} (containers.logs)
//             {kind:"stats", id} (containers.read) · {kind:"image.pull", ref} (images.manage)
//   server → "stream:data" {streamId, chunks:[{stream, data, time?}]}: acknowledge it to receive more (flow control);
//            chunks that arrive in the same tick travel in one message, so 20,000 lines/s are not 20,000 emits
//   server → "stream:end" {streamId, exitCode?, error?}
//   "stream:close" {streamId}
// Each open is authorized through lib/auth/policy with the actor re-read; a pull, being a mutation, is written to the
// activity record. A browser that stops acknowledging stalls only its own stream (lib/fleet/streams holds the window).
import type { Socket } from "socket.io";
import { z } from "zod";
import { can, type Action, type Actor } from "@/lib/auth/policy";
import { openStream, type StreamChunk, type StreamHandle, type StreamSpec } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";
import { recordActivity } from "@/lib/activity/record-activity";
import { clientAddress } from "@/lib/activity/client-address";
import { GantryError } from "@/lib/errors";

const StreamOpen = z
  .object({
    hostId: z.number().int().positive(),
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
const LOGS_WINDOW_BYTES = 1 << 20;

export function attachStreamEvents(socket: Socket, currentActor: () => Promise<Actor | null>) {
  const streams = new Map<string, StreamHandle>();
  const headers = { get: (n: string) => (socket.handshake.headers[n] as string | undefined) ?? null };
  const from = { ip: clientAddress(headers) ?? socket.handshake.address?.replace(/^::ffff:/, "") ?? null, userAgent: headers.get("user-agent") };

  socket.on("stream:open", async (raw: unknown, ack?: (r: unknown) => void) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const parsed = StreamOpen.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: `invalid stream: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`, code: "bad_request" });
    const { hostId, spec } = parsed.data;
    const permission = STREAM_PERMISSIONS[spec.kind];
    const actor = await currentActor();
    if (!actor || !can(actor, permission)) return reply({ ok: false, error: actor ? `forbidden: your role (${actor.role}) does not allow ${permission}` : "unauthorized", code: actor ? "forbidden" : "unauthorized" });
    if (streams.size >= MAX_STREAMS_PER_SOCKET) return reply({ ok: false, error: `at most ${MAX_STREAMS_PER_SOCKET} streams per connection`, code: "conflict" });

    let streamId = "";
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
      if (chunks.length) socket.emit("stream:data", { streamId, chunks }, () => streams.get(streamId)?.credit(bytes));
    };
    const target = spec.kind === "image.pull" ? `hosts/${hostId}/images` : `hosts/${hostId}/containers/${String((spec as { id?: unknown }).id ?? "")}`;
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
              flush();
              streams.delete(streamId);
              socket.emit("stream:end", { streamId, ...r });
              if (spec.kind === "image.pull") {
                void recordActivity({ actor, action: "images.manage", target, outcome: r.error ? "error" : "ok", ...from, details: { event: "pull", ref: String((spec as { ref?: unknown }).ref), ...(r.error ? { error: r.error } : {}) } }).catch(() => {});
              }
            }),
        },
        // Logs get a wider window: a burst of 20,000 lines/s is not held back by one acknowledgement's round trip.
        { actorId: actor.id, ...(spec.kind === "logs" ? { windowBytes: LOGS_WINDOW_BYTES } : {}) },
      );
      streamId = handle.id;
      streams.set(streamId, handle);
      reply({ ok: true, streamId });
      started = true;
      for (const f of early.splice(0)) f();
    } catch (e) {
      if (spec.kind === "image.pull") {
        await recordActivity({ actor, action: "images.manage", target, outcome: e instanceof GantryError ? e.code : "internal", ...from, details: { event: "pull", ref: String((spec as { ref?: unknown }).ref) } }).catch(() => {});
      }
      reply({ ok: false, error: e instanceof GantryError ? e.message : `could not open the ${spec.kind} stream`, code: e instanceof GantryError ? e.code : "internal" });
    }
  });
  socket.on("stream:close", (raw: unknown) => {
    const p = StreamClose.safeParse(raw);
    if (!p.success) return;
    streams.get(p.data.streamId)?.close();
    streams.delete(p.data.streamId);
  });
  socket.on("disconnect", () => {
    for (const h of streams.values()) h.close();
    streams.clear();
  });
}
