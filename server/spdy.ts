// SPDY/3.1, the server's side: what kubectl's SPDY streams speak (client-go over moby/spdystream) for pods/exec,
// pods/attach and pods/portforward — after an HTTP upgrade (`Upgrade: SPDY/3.1`), or carried in WebSocket binary
// messages (the "SPDY/3.1+portforward.k8s.io" tunnel kubectl 1.31+ tries first for port-forward).
//
// Framing (the SPDY/3.1 draft): every frame has an 8-byte header. A control frame: the control bit, version 3,
// type (16 bits), flags (8), length (24). A data frame: stream id (31 bits), flags (8: FIN), length (24).
// Control frames: SYN_STREAM (a stream opened, with its headers), SYN_REPLY (the answer to one), RST_STREAM (a
// stream cut, with a status), SETTINGS, PING (echoed when the peer sent it), GOAWAY (no more streams), HEADERS,
// WINDOW_UPDATE. Header blocks (a count, then length-prefixed name and value pairs, every length 32 bits, names
// lower-case, several values joined by NUL) are zlib-compressed with SPDY/3's dictionary, one compression context
// per direction for the whole session, each block ended by a sync flush.
//
// Flow control: the windows of SPDY/3.1 are kept on the receiving side — the consumer says what it took
// (SpdyStream.consumed) and the peer is sent WINDOW_UPDATEs for the stream and the session as data is taken, and the
// transport is paused while more than RECEIVE_LIMIT_BYTES wait unconsumed. The sending side is paced by the
// transport (a write's callback comes when the socket took it), not by the peer's windows: spdystream, the peer this
// serves, never sends a WINDOW_UPDATE (nor reads one), so a sender that waited for its window would stall any
// stream after 64 KiB. The peer's WINDOW_UPDATEs and SETTINGS are read and kept (sendWindow) for what they say.
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { constants as Z, createDeflate, createInflate, type Deflate, type Inflate } from "node:zlib";

// ---- the header dictionary (SPDY/3 draft, section 2.6.10.1): length-prefixed words, then a run of text ----
const DICTIONARY_WORDS = [
  "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
  "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
  "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
  "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
  "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
  "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
  "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version",
  "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
];
const DICTIONARY_TEXT =
  "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
  "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden" +
  "404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
  "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
  "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript," +
  "publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
export const HEADER_DICTIONARY = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length, 0);
    b.write(w, 4, "latin1");
    return b;
  }),
  Buffer.from(DICTIONARY_TEXT, "latin1"),
]);

export const SPDY_VERSION = 3;
export const FrameType = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
export const RstStatus = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, UNSUPPORTED_VERSION: 4, CANCEL: 5, INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9, FRAME_TOO_LARGE: 11 } as const;
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;
const FLAG_FIN = 0x01;
const FLAG_UNIDIRECTIONAL = 0x02;
const SETTINGS_INITIAL_WINDOW_SIZE = 7;
/** SPDY/3.1's window for every stream and for the session until SETTINGS say otherwise. */
export const DEFAULT_WINDOW = 64 << 10;
/** Data frames this side sends carry at most this much. */
const MAX_DATA_FRAME = 64 << 10;
/** A frame longer than this is refused (header blocks and data alike; kubectl's are far smaller). */
const MAX_FRAME = 1 << 20;
/** More than this unconsumed on a session pauses reading its transport. */
export const RECEIVE_LIMIT_BYTES = 1 << 20;

/** Header names (lower-case) to their values. */
export type SpdyHeaders = Record<string, string[]>;

export type Frame =
  | { type: "data"; streamId: number; fin: boolean; data: Buffer }
  | { type: "syn_stream"; streamId: number; associatedId: number; priority: number; fin: boolean; unidirectional: boolean; headers: SpdyHeaders }
  | { type: "syn_reply"; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: "headers"; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: "rst_stream"; streamId: number; status: number }
  | { type: "settings"; clear: boolean; entries: Array<{ id: number; flags: number; value: number }> }
  | { type: "ping"; id: number }
  | { type: "goaway"; lastGoodStreamId: number; status: number }
  | { type: "window_update"; streamId: number; delta: number }
  | { type: "unknown"; frameType: number };

export class SpdyProtocolError extends Error {}

// ---- header blocks ----

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n, 0);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(u32(entries.length));
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), "utf8");
    const v = Buffer.from(values.join("\0"), "utf8");
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let at = 0;
  const u32 = () => {
    if (at + 4 > block.length) throw new SpdyProtocolError("a header block ends early");
    const n = block.readUInt32BE(at);
    at += 4;
    return n;
  };
  const bytes = (n: number) => {
    if (at + n > block.length) throw new SpdyProtocolError("a header block ends early");
    const s = block.subarray(at, at + n).toString("utf8");
    at += n;
    return s;
  };
  const count = u32();
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = bytes(u32()).toLowerCase();
    const values = bytes(u32()).split("\0");
    (headers[name] ??= []).push(...values);
  }
  if (at !== block.length) throw new SpdyProtocolError("a header block has bytes after its last header");
  return headers;
}

/** One direction's zlib context: blocks go through it in order, each ended by a sync flush. */
class ZlibContext {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(private readonly z: Deflate | Inflate) {
    z.on("error", () => {}); // reported to the caller of run()
  }
  run(input: Buffer): Promise<Buffer> {
    const next = this.tail.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const out: Buffer[] = [];
          const onData = (c: Buffer) => out.push(c);
          const onError = (e: Error) => {
            this.z.off("data", onData);
            reject(new SpdyProtocolError(`a compressed header block is corrupt: ${e.message}`));
          };
          this.z.on("data", onData);
          this.z.once("error", onError);
          this.z.write(input);
          this.z.flush(Z.Z_SYNC_FLUSH, () => {
            this.z.off("data", onData);
            this.z.off("error", onError);
            resolve(Buffer.concat(out));
          });
        }),
    );
    this.tail = next.catch(() => {});
    return next;
  }
  close() {
    this.z.destroy();
  }
}

export class HeaderCompressor {
  private readonly ctx = new ZlibContext(createDeflate({ dictionary: HEADER_DICTIONARY }));
  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.ctx.run(encodeHeaderBlock(headers));
  }
  close() {
    this.ctx.close();
  }
}

export class HeaderDecompressor {
  private readonly ctx = new ZlibContext(createInflate({ dictionary: HEADER_DICTIONARY }));
  async decompress(block: Buffer): Promise<SpdyHeaders> {
    return decodeHeaderBlock(await this.ctx.run(block));
  }
  close() {
    this.ctx.close();
  }
}

// ---- frames ----

/** Cuts a byte stream into frames (header and payload), however the bytes were split across reads. */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Array<{ head: Buffer; payload: Buffer }> {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Array<{ head: Buffer; payload: Buffer }> = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (length > MAX_FRAME) throw new SpdyProtocolError(`a frame of ${length} bytes is larger than ${MAX_FRAME}`);
      if (this.buf.length < 8 + length) break;
      out.push({ head: this.buf.subarray(0, 8), payload: this.buf.subarray(8, 8 + length) });
      this.buf = this.buf.subarray(8 + length);
    }
    return out;
  }
}

/** Parses one frame (its header blocks through `headers`, the peer's compression context). */
export async function parseFrame(head: Buffer, payload: Buffer, headers: HeaderDecompressor): Promise<Frame> {
  const first = head.readUInt32BE(0);
  const flags = head[4]!;
  if (!(first & 0x80000000)) return { type: "data", streamId: first & 0x7fffffff, fin: !!(flags & FLAG_FIN), data: payload };
  const version = (first >>> 16) & 0x7fff;
  const type = first & 0xffff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`SPDY version ${version} is not spoken here (3 is)`);
  const need = (n: number) => {
    if (payload.length < n) throw new SpdyProtocolError(`a control frame of type ${type} is too short (${payload.length} bytes)`);
  };
  const id31 = (at: number) => payload.readUInt32BE(at) & 0x7fffffff;
  switch (type) {
    case FrameType.SYN_STREAM:
      need(10);
      return {
        type: "syn_stream",
        streamId: id31(0),
        associatedId: id31(4),
        priority: payload[8]! >> 5,
        fin: !!(flags & FLAG_FIN),
        unidirectional: !!(flags & FLAG_UNIDIRECTIONAL),
        headers: await headers.decompress(payload.subarray(10)),
      };
    case FrameType.SYN_REPLY:
    case FrameType.HEADERS:
      need(4);
      return { type: type === FrameType.SYN_REPLY ? "syn_reply" : "headers", streamId: id31(0), fin: !!(flags & FLAG_FIN), headers: await headers.decompress(payload.subarray(4)) };
    case FrameType.RST_STREAM:
      need(8);
      return { type: "rst_stream", streamId: id31(0), status: payload.readUInt32BE(4) };
    case FrameType.SETTINGS: {
      need(4);
      const n = payload.readUInt32BE(0);
      need(4 + n * 8);
      const entries = [];
      for (let i = 0; i < n; i++) {
        const at = 4 + i * 8;
        entries.push({ flags: payload[at]!, id: payload.readUIntBE(at + 1, 3), value: payload.readUInt32BE(at + 4) });
      }
      return { type: "settings", clear: !!(flags & 0x01), entries };
    }
    case FrameType.PING:
      need(4);
      return { type: "ping", id: payload.readUInt32BE(0) };
    case FrameType.GOAWAY:
      need(4);
      return { type: "goaway", lastGoodStreamId: id31(0), status: payload.length >= 8 ? payload.readUInt32BE(4) : 0 };
    case FrameType.WINDOW_UPDATE:
      need(8);
      return { type: "window_update", streamId: id31(0), delta: payload.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: "unknown", frameType: type };
  }
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type, 0);
  head.writeUInt32BE(flags * 0x1000000 + payload.length, 4);
  return Buffer.concat([head, payload]);
}

const u32s = (...ns: number[]) => {
  const b = Buffer.alloc(ns.length * 4);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4));
  return b;
};

/** One frame's bytes (its header block through `headers`, this side's compression context). */
export async function encodeFrame(frame: Exclude<Frame, { type: "unknown" }>, headers: HeaderCompressor): Promise<Buffer> {
  switch (frame.type) {
    case "data": {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
      head.writeUInt32BE((frame.fin ? FLAG_FIN : 0) * 0x1000000 + frame.data.length, 4);
      return Buffer.concat([head, frame.data]);
    }
    case "syn_stream": {
      const fixed = Buffer.concat([u32s(frame.streamId, frame.associatedId), Buffer.from([(frame.priority & 7) << 5, 0])]);
      const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return controlFrame(FrameType.SYN_STREAM, flags, Buffer.concat([fixed, await headers.compress(frame.headers)]));
    }
    case "syn_reply":
    case "headers":
      return controlFrame(frame.type === "syn_reply" ? FrameType.SYN_REPLY : FrameType.HEADERS, frame.fin ? FLAG_FIN : 0, Buffer.concat([u32s(frame.streamId), await headers.compress(frame.headers)]));
    case "rst_stream":
      return controlFrame(FrameType.RST_STREAM, 0, u32s(frame.streamId, frame.status));
    case "settings": {
      const body = Buffer.alloc(4 + frame.entries.length * 8);
      body.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((e, i) => {
        body[4 + i * 8] = e.flags;
        body.writeUIntBE(e.id, 5 + i * 8, 3);
        body.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return controlFrame(FrameType.SETTINGS, frame.clear ? 1 : 0, body);
    }
    case "ping":
      return controlFrame(FrameType.PING, 0, u32s(frame.id));
    case "goaway":
      return controlFrame(FrameType.GOAWAY, 0, u32s(frame.lastGoodStreamId, frame.status));
    case "window_update":
      return controlFrame(FrameType.WINDOW_UPDATE, 0, u32s(frame.streamId, frame.delta));
  }
}

// ---- a session: streams by id over one transport ----

export class SpdyStream extends EventEmitter {
  /** The peer sent FIN (or the stream was reset): no more data comes. */
  remoteEnded = false;
  /** This side sent FIN (or the stream was reset). */
  localEnded = false;
  replied = false;
  closed = false;
  /** Bytes the peer may still send before it needs a WINDOW_UPDATE (what it was told, less what it sent). */
  receiveWindow = DEFAULT_WINDOW;
  /** Bytes taken by the consumer and not yet told the peer in a WINDOW_UPDATE. */
  private consumedUntold = 0;
  /** Delivered to the consumer and not yet consumed. */
  unconsumed = 0;
  /** What the peer's WINDOW_UPDATEs and SETTINGS allow this side to send (kept, not enforced: see the file's head). */
  sendWindow: number;

  constructor(
    readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super();
    this.sendWindow = session.peerInitialWindow;
  }

  /** The first value of a header (names are lower-case). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /** Accepts the stream (SYN_REPLY); with `fin`, this side sends nothing on it. */
  reply(headers: SpdyHeaders = {}, fin = false) {
    if (this.replied || this.closed) return;
    this.replied = true;
    if (fin) this.localEnded = true;
    this.session.send({ type: "syn_reply", streamId: this.id, fin, headers });
    if (fin) this.maybeClosed();
  }

  /** Sends data; `written` is called once the transport took the last of it. */
  write(data: Buffer, written?: () => void) {
    if (this.localEnded || this.closed) return void written?.();
    if (!this.replied) this.reply();
    if (data.length === 0) return void written?.();
    for (let i = 0; i < data.length; i += MAX_DATA_FRAME) {
      const last = i + MAX_DATA_FRAME >= data.length;
      this.sendWindow -= Math.min(MAX_DATA_FRAME, data.length - i);
      this.session.send({ type: "data", streamId: this.id, fin: false, data: data.subarray(i, i + MAX_DATA_FRAME) }, last ? written : undefined);
    }
  }

  /** Half-closes this side (a DATA frame with FIN). */
  end() {
    if (this.localEnded || this.closed) return;
    if (!this.replied) return this.reply({}, true);
    this.localEnded = true;
    this.session.send({ type: "data", streamId: this.id, fin: true, data: Buffer.alloc(0) });
    this.maybeClosed();
  }

  /** Cuts the stream (RST_STREAM). */
  reset(status: number = RstStatus.CANCEL) {
    if (this.closed) return;
    this.session.send({ type: "rst_stream", streamId: this.id, status });
    this.terminate(status);
  }

  /** The consumer took `bytes` of what this stream delivered: the peer may send that much again. */
  consumed(bytes: number) {
    const n = Math.min(bytes, this.unconsumed);
    if (n <= 0) return;
    this.unconsumed -= n;
    this.session.consumed(n);
    if (this.remoteEnded || this.closed) return;
    this.consumedUntold += n;
    if (this.consumedUntold >= DEFAULT_WINDOW / 2) {
      this.session.send({ type: "window_update", streamId: this.id, delta: this.consumedUntold });
      this.receiveWindow += this.consumedUntold;
      this.consumedUntold = 0;
    }
  }

  /** @internal data from the peer */
  deliver(data: Buffer, fin: boolean) {
    if (this.closed || this.remoteEnded) return;
    if (data.length) {
      this.receiveWindow -= data.length;
      this.unconsumed += data.length;
      this.emit("data", data);
    }
    if (fin) this.remoteEnd();
  }

  /** @internal */
  remoteEnd() {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.emit("end");
    this.maybeClosed();
  }

  /** @internal reset by the peer (status) or gone with the session (null). */
  terminate(status: number | null) {
    if (this.closed) return;
    this.remoteEnded = this.localEnded = true;
    this.closed = true;
    if (this.unconsumed) this.session.consumed(this.unconsumed);
    this.unconsumed = 0;
    this.session.forget(this);
    this.emit("reset", status);
    this.emit("close");
  }

  private maybeClosed() {
    if (!this.closed && this.localEnded && this.remoteEnded) {
      this.closed = true;
      if (this.unconsumed) this.session.consumed(this.unconsumed);
      this.unconsumed = 0;
      this.session.forget(this);
      this.emit("close");
    }
  }
}

export interface SpdySessionOptions {
  /** A stream the peer opened; answer it with stream.reply() (or reset it). */
  onStream(stream: SpdyStream): void;
}

/**
 * The server's side of a SPDY session over `transport` (an upgraded socket, or a WebSocket as a stream). Emits
 * "close" once, when the transport is gone, after every stream was told.
 */
export class SpdySession extends EventEmitter {
  readonly streams = new Map<number, SpdyStream>();
  /** The window the peer's SETTINGS give each new stream this side sends on. */
  peerInitialWindow = DEFAULT_WINDOW;
  /** The session's send window (SPDY/3.1's stream 0), as the peer's WINDOW_UPDATEs say. */
  sendWindow = DEFAULT_WINDOW;
  private readonly splitter = new FrameSplitter();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private inbox: Promise<void> = Promise.resolve();
  private outbox: Promise<void> = Promise.resolve();
  private lastPeerStreamId = 0;
  private goingAway = false;
  private unconsumed = 0;
  private consumedUntold = 0;
  private paused = false;
  closed = false;

  constructor(
    private readonly transport: Duplex,
    private readonly opts: SpdySessionOptions,
  ) {
    super();
    transport.on("data", (chunk: Buffer) => this.receive(chunk));
    transport.on("end", () => this.inbox.then(() => this.destroy()));
    transport.on("close", () => this.destroy());
    transport.on("error", () => this.destroy());
  }

  /** Queues a frame; frames go out in the order queued (header blocks share one compression context). */
  send(frame: Exclude<Frame, { type: "unknown" }>, written?: () => void) {
    if (this.closed) return void written?.();
    this.outbox = this.outbox.then(async () => {
      if (this.closed || this.transport.destroyed) return void written?.();
      const bytes = await encodeFrame(frame, this.compressor);
      if (this.closed || this.transport.destroyed) return void written?.();
      this.transport.write(bytes, () => written?.());
    }).catch(() => this.destroy());
  }

  /** No more streams: GOAWAY, then the transport is ended once what was queued went out. */
  close() {
    if (this.closed) return;
    if (!this.goingAway) {
      this.goingAway = true;
      this.send({ type: "goaway", lastGoodStreamId: this.lastPeerStreamId, status: GoAwayStatus.OK });
    }
    void this.outbox.then(() => {
      if (!this.transport.destroyed) this.transport.end();
      setTimeout(() => this.destroy(), 5000).unref();
    });
  }

  /** Ends at once: every stream is told, the transport destroyed. */
  destroy() {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.terminate(null);
    this.compressor.close();
    this.decompressor.close();
    if (!this.transport.destroyed) this.transport.destroy();
    this.emit("close");
  }

  /** @internal */
  forget(stream: SpdyStream) {
    this.streams.delete(stream.id);
  }

  /** @internal the consumer took bytes: the session window and the transport's pause follow. */
  consumed(n: number) {
    this.unconsumed -= n;
    this.consumedUntold += n;
    if (this.consumedUntold >= DEFAULT_WINDOW / 2 && !this.closed) {
      this.send({ type: "window_update", streamId: 0, delta: this.consumedUntold });
      this.consumedUntold = 0;
    }
    if (this.paused && this.unconsumed <= RECEIVE_LIMIT_BYTES / 2) {
      this.paused = false;
      this.transport.resume();
    }
  }

  private receive(chunk: Buffer) {
    let frames;
    try {
      frames = this.splitter.push(chunk);
    } catch (e) {
      return this.fail(e);
    }
    for (const { head, payload } of frames) {
      if (!(head.readUInt32BE(0) & 0x80000000)) {
        this.unconsumed += payload.length;
        if (this.unconsumed > RECEIVE_LIMIT_BYTES && !this.paused) {
          this.paused = true;
          this.transport.pause();
        }
      }
      this.inbox = this.inbox.then(async () => {
        if (this.closed) return;
        try {
          this.handle(await parseFrame(head, payload, this.decompressor), payload.length);
        } catch (e) {
          this.fail(e);
        }
      });
    }
  }

  private fail(e: unknown) {
    if (this.closed) return;
    this.goingAway = true;
    this.send({ type: "goaway", lastGoodStreamId: this.lastPeerStreamId, status: e instanceof SpdyProtocolError ? GoAwayStatus.PROTOCOL_ERROR : GoAwayStatus.INTERNAL_ERROR });
    void this.outbox.then(() => this.destroy());
  }

  private handle(f: Frame, dataBytes: number) {
    switch (f.type) {
      case "data": {
        const s = this.streams.get(f.streamId);
        if (!s || s.remoteEnded) {
          this.consumed(dataBytes); // nobody will take it
          if (!s && f.streamId > 0 && f.streamId <= this.lastPeerStreamId) return; // late data for a closed stream
          return this.send({ type: "rst_stream", streamId: f.streamId, status: s ? RstStatus.STREAM_ALREADY_CLOSED : RstStatus.INVALID_STREAM });
        }
        return s.deliver(f.data, f.fin);
      }
      case "syn_stream": {
        if (f.streamId % 2 !== 1 || f.streamId <= this.lastPeerStreamId) {
          return this.send({ type: "rst_stream", streamId: f.streamId, status: RstStatus.PROTOCOL_ERROR });
        }
        this.lastPeerStreamId = f.streamId;
        if (this.goingAway) return this.send({ type: "rst_stream", streamId: f.streamId, status: RstStatus.REFUSED_STREAM });
        const s = new SpdyStream(this, f.streamId, f.headers);
        this.streams.set(s.id, s);
        if (f.fin || f.unidirectional) s.remoteEnded = true;
        this.opts.onStream(s);
        return;
      }
      case "syn_reply":
      case "headers":
        if (f.fin) this.streams.get(f.streamId)?.remoteEnd();
        return;
      case "rst_stream":
        return this.streams.get(f.streamId)?.terminate(f.status);
      case "settings":
        for (const e of f.entries) {
          if (e.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          const delta = e.value - this.peerInitialWindow;
          this.peerInitialWindow = e.value;
          for (const s of this.streams.values()) s.sendWindow += delta;
        }
        return;
      case "ping":
        // Odd ids are the client's: echoed. (This side sends none, so an even one answers nothing of ours.)
        if (f.id % 2 === 1) this.send({ type: "ping", id: f.id });
        return;
      case "goaway":
        this.goingAway = true;
        if (this.streams.size === 0) this.close();
        return;
      case "window_update":
        if (f.streamId === 0) this.sendWindow += f.delta;
        else {
          const s = this.streams.get(f.streamId);
          if (s) s.sendWindow += f.delta;
        }
        return;
      case "unknown":
        return; // the draft: unknown control frames are ignored
    }
  }
}
