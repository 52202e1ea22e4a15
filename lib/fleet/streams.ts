// Streams from hosts (logs, exec, attach, stats, pull progress), multiplexed over the agent's one connection with
// credit-based flow control: the server grants a window at open and more only as its consumer drains, the agent never
// sends past its credit, so a consumer that stops granting stalls only its own stream, and what the server holds for a
// stream (delivered to the consumer, not yet credited back) never exceeds the window. The table of live streams is
// kept on globalThis: the agent gateway and Next's route handlers are separate module instances of this file.
import { randomUUID } from "node:crypto";
import { badRequest, conflict, GantryError } from "@/lib/errors";
import { getHostOrThrow } from "@/lib/hosts/get-host-or-throw";
import { describeZodError } from "@/lib/protocol";
import { StreamOpenReply, StreamSpec, chunkBytes, type StreamChunk, type StreamData, type StreamEnd } from "@/lib/protocol/commands";
import { HostOffline, agentSocket } from "./dispatch-command";

export type { StreamSpec, StreamChunk };
export interface StreamHandlers {
  onChunk(c: StreamChunk): void;
  onEnd(result: { exitCode?: number; error?: string }): void;
}
export interface StreamHandle {
  readonly id: string;
  /**
   * Input: text, or bytes (sent as base64). With `written`, the agent acknowledges once it wrote the input out (a
   * port-forward's connection took it), and `written` is called then — the consumer's flow control for input.
   */
  write(stdin: string | Buffer, written?: () => void): void;
  /** No more stdin: the process reads end-of-file. */
  endInput(): void;
  resize(cols: number, rows: number): void;
  /** The consumer took `bytes` more: the agent may send that many again. */
  credit(bytes: number): void;
  close(): void;
}

export const DEFAULT_WINDOW_BYTES = 256 << 10;
const MAX_WINDOW_BYTES = 16 << 20;
const OPEN_TIMEOUT_MS = 15_000;

interface LiveStream {
  id: string;
  hostId: number;
  /** The agent connection carrying it: a stream does not survive its connection. */
  socketId: string;
  kind: StreamSpec["kind"];
  actorId: string | null;
  windowBytes: number;
  /** Delivered to the consumer and not yet credited back: what this stream holds on the server. */
  bufferedBytes: number;
  receivedBytes: number;
  handlers: StreamHandlers;
  ended: boolean;
}

const KEY = Symbol.for("gantry.fleet-streams");
const store = globalThis as unknown as { [KEY]?: Map<string, LiveStream> };
const live = (store[KEY] ??= new Map());

export interface StreamGauge {
  streamId: string;
  hostId: number;
  kind: StreamSpec["kind"];
  windowBytes: number;
  bufferedBytes: number;
  receivedBytes: number;
}

/** The live streams and what each holds now (for metrics and tests). */
export function streamGauges(): StreamGauge[] {
  return [...live.values()].map((s) => ({ streamId: s.id, hostId: s.hostId, kind: s.kind, windowBytes: s.windowBytes, bufferedBytes: s.bufferedBytes, receivedBytes: s.receivedBytes }));
}

function finish(s: LiveStream, result: { exitCode?: number; error?: string }) {
  if (s.ended) return;
  s.ended = true;
  live.delete(s.id);
  s.handlers.onEnd(result);
}

export async function openStream(hostId: number, input: StreamSpec, handlers: StreamHandlers, opts: { actorId: string | null; windowBytes?: number }): Promise<StreamHandle> {
  const parsed = StreamSpec.safeParse(input);
  if (!parsed.success) throw badRequest(`invalid stream: ${describeZodError(parsed.error)}`);
  const spec = parsed.data;
  const windowBytes = opts.windowBytes ?? DEFAULT_WINDOW_BYTES;
  if (!Number.isInteger(windowBytes) || windowBytes < 1024 || windowBytes > MAX_WINDOW_BYTES) {
    throw badRequest(`a stream window is between 1 KiB and ${MAX_WINDOW_BYTES >> 20} MiB`);
  }
  const host = await getHostOrThrow(hostId);
  if (host.revoked) throw conflict(`host ${host.id} (${host.name}) was revoked`);
  const socket = agentSocket(host.id);
  if (!socket) throw new HostOffline(host.id, host.name, `the ${spec.kind} stream`);

  const s: LiveStream = { id: randomUUID(), hostId: host.id, socketId: socket.id, kind: spec.kind, actorId: opts.actorId, windowBytes, bufferedBytes: 0, receivedBytes: 0, handlers, ended: false };
  live.set(s.id, s);
  let raw: unknown;
  try {
    raw = await socket.timeout(OPEN_TIMEOUT_MS).emitWithAck("stream.open", { streamId: s.id, spec, credit: windowBytes });
  } catch {
    live.delete(s.id);
    // It may still start on the host after we stopped waiting: told to close, it leaves no process behind.
    if (socket.connected) socket.emit("stream.close", { streamId: s.id });
    throw new GantryError("unavailable", `host ${host.id} (${host.name}) did not open the ${spec.kind} stream within ${OPEN_TIMEOUT_MS / 1000} s`);
  }
  const reply = StreamOpenReply.safeParse(raw);
  if (!reply.success || !reply.data.ok) {
    live.delete(s.id);
    if (reply.success && !reply.data.ok) throw new GantryError(reply.data.error.code, reply.data.error.message);
    throw new GantryError("internal", `host ${host.id} (${host.name}) sent a malformed reply opening a stream`);
  }
  const send = (event: "stream.credit" | "stream.input" | "stream.resize" | "stream.close", payload: object) => {
    if (!s.ended && socket.connected) socket.emit(event as "stream.close", { streamId: s.id, ...payload } as never);
  };
  return {
    id: s.id,
    write: (data, written) => {
      // Slices of at most 256 KiB on the wire (bytes: 192 KiB, a multiple of 3, become 256 KiB of base64).
      const step = typeof data === "string" ? 256 << 10 : 192 << 10;
      for (let i = 0; i < data.length; i += step) {
        const slice = data.slice(i, i + step);
        const payload = { streamId: s.id, ...(typeof slice === "string" ? { data: slice } : { data: slice.toString("base64"), encoding: "base64" as const }) };
        const last = i + step >= data.length;
        if (s.ended || !socket.connected) break;
        if (last && written) socket.emit("stream.input", payload, () => written());
        else socket.emit("stream.input", payload);
      }
    },
    endInput: () => send("stream.input", { data: "" }),
    resize: (cols, rows) => send("stream.resize", { cols: Math.max(1, Math.min(1000, Math.floor(cols))), rows: Math.max(1, Math.min(1000, Math.floor(rows))) }),
    credit: (bytes) => {
      const n = Math.min(Math.floor(bytes), s.bufferedBytes);
      if (n <= 0 || s.ended) return;
      s.bufferedBytes -= n;
      send("stream.credit", { bytes: n });
    },
    close: () => {
      send("stream.close", {});
      finish(s, {});
    },
  };
}

/** A stream.data message from host `hostId` (the agent gateway calls this). */
export function receiveStreamData(hostId: number, msg: StreamData) {
  const s = live.get(msg.streamId);
  if (!s || s.hostId !== hostId) return; // closed already (or not this host's): late data is dropped
  const bytes = msg.chunks.reduce((n, c) => n + chunkBytes(c), 0);
  if (s.bufferedBytes + bytes > s.windowBytes) {
    agentSocket(hostId)?.emit("stream.close", { streamId: s.id });
    return finish(s, { error: `host ${hostId} sent past the stream's credit (${s.bufferedBytes + bytes} > ${s.windowBytes} bytes); the stream was closed` });
  }
  s.bufferedBytes += bytes;
  s.receivedBytes += bytes;
  for (const c of msg.chunks) {
    if (s.ended) return;
    s.handlers.onChunk(c);
  }
}

export function receiveStreamEnd(hostId: number, msg: StreamEnd) {
  const s = live.get(msg.streamId);
  if (!s || s.hostId !== hostId) return;
  finish(s, { ...(msg.exitCode !== undefined ? { exitCode: msg.exitCode } : {}), ...(msg.error ? { error: msg.error } : {}) });
}

/** An agent connection is gone: each stream it carried ends with that reason. */
export function endSocketStreams(socketId: string, reason: string) {
  for (const s of [...live.values()]) if (s.socketId === socketId) finish(s, { error: reason });
}
