// A host stream (lib/fleet openStream) as an HTTP response body of NDJSON lines, with flow control end to end: bytes
// are credited back to the agent only as the HTTP response drains (the ReadableStream's pull), so a client that
// stops reading stalls its own stream and nothing else, and the server holds at most the stream's window.
import { openStream, type StreamChunk, type StreamHandle, type StreamSpec } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";

export interface NdjsonOptions {
  hostId: number;
  spec: StreamSpec;
  actorId: string | null;
  /** Turns one chunk into zero or more JSON lines. */
  lines(chunk: StreamChunk): unknown[];
  /** Lines to send when the stream ends (flushing partial lines, the outcome). */
  end(result: { exitCode?: number; error?: string }): unknown[];
  signal?: AbortSignal;
  windowBytes?: number;
}

const encoder = new TextEncoder();
/** What the response may queue before the agent is asked to wait (the HTTP side's own buffer). */
const HIGH_WATER_BYTES = 64 << 10;

/** Opens the stream first (so a missing container or an offline host is an ordinary error response), then streams. */
export async function ndjsonResponse(opts: NdjsonOptions): Promise<Response> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let handle: StreamHandle | null = null;
  let closed = false;
  // Chunks handed to the response and not yet credited: [encoded bytes queued, bytes that count against the credit].
  const pending: Array<[number, number]> = [];
  let pendingEncoded = 0;
  const early: Array<() => void> = [];

  const push = (values: unknown[], rawBytes: number) => {
    if (closed) return;
    const text = values.map((v) => JSON.stringify(v) + "\n").join("");
    const bytes = encoder.encode(text);
    pending.push([bytes.byteLength, rawBytes]);
    pendingEncoded += bytes.byteLength;
    if (bytes.byteLength) controller.enqueue(bytes);
    creditDrained();
  };
  // Everything that left the response's queue (desiredSize grew) is credited back, oldest first.
  const creditDrained = () => {
    if (!handle || closed) return;
    const queued = HIGH_WATER_BYTES - (controller.desiredSize ?? 0);
    let drained = pendingEncoded - Math.max(0, queued);
    let credit = 0;
    while (pending.length && pending[0]![0] <= drained) {
      const [enc, raw] = pending.shift()!;
      drained -= enc;
      pendingEncoded -= enc;
      credit += raw;
    }
    if (credit > 0) handle.credit(credit);
  };
  const finish = (tail: unknown[]) => {
    if (closed) return;
    push(tail, 0);
    closed = true;
    controller.close();
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        creditDrained();
      },
      cancel() {
        closed = true;
        handle?.close();
      },
    },
    { highWaterMark: HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  );

  handle = await openStream(
    opts.hostId,
    opts.spec,
    {
      onChunk: (c) => (handle ? push(opts.lines(c), chunkBytes(c)) : early.push(() => push(opts.lines(c), chunkBytes(c)))),
      onEnd: (r) => (handle ? finish(opts.end(r)) : early.push(() => finish(opts.end(r)))),
    },
    { actorId: opts.actorId, windowBytes: opts.windowBytes },
  );
  for (const f of early.splice(0)) f();
  opts.signal?.addEventListener("abort", () => {
    closed = true;
    handle?.close();
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" } });
}
