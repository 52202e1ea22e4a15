// The agent's side of streams: each one reads from the same ContainerService / ExecService / ImageService calls the
// Engine API uses, and sends at most the bytes the control plane granted. What waits for credit is counted as the
// memory it takes (a chunk's bytes, its time and the object around them: a one-byte log line costs ~130 bytes, not
// one). A source that can wait — a log, read from its file — is paused once PAUSE_AT_BYTES wait and resumed as credit
// comes, so a stalled reader holds a few hundred KiB, whatever the container writes. One that cannot (exec, attach,
// stats, pull progress) is bounded by MAX_PENDING_BYTES: a reader that stays stalled past that ends its stream with a
// clear error, and only its own.
import { connect as connectTcp } from "node:net";
import { containerStats } from "../containers/stats";
import type { LogRecord } from "../containers/logs";
import { logChunk } from "../../lib/protocol/logs";
import type { ContainerService } from "../containers/service";
import type { ExecService } from "../containers/exec";
import type { ImageService } from "../images/image-service";
import { parseTimeArg } from "../containers/time-arg";
import { toCommandError } from "./errors";
import { GantryError } from "../../lib/errors";
import { checkPullRegistry, type Lookup } from "./registry-rules";
import {
  StreamClose,
  StreamCredit,
  StreamInput,
  StreamOpen,
  StreamResize,
  chunkBytes,
  type StreamChunk,
  type StreamData,
  type StreamEnd,
  type StreamOpenReply,
  type StreamSpec,
} from "../../lib/protocol/commands";

export const MAX_PENDING_BYTES = 8 << 20;
/** A pausable source stops at this much waiting, and goes on once no more than RESUME_AT_BYTES wait. */
export const PAUSE_AT_BYTES = 256 << 10;
export const RESUME_AT_BYTES = 64 << 10;
/**
 * A source that can wait does while the link holds this much unsent: credit is counted in data bytes, and a short
 * line costs ten times its data on the wire, so 64 windows of 1 MiB could otherwise queue ~600 MB on a slow link.
 */
export const LINK_BACKLOG_BYTES = 4 << 20;
const LINK_RETRY_MS = 20;
/** What a waiting chunk costs beyond its data and time strings (measured: an object, two string headers, a slot). */
const CHUNK_OVERHEAD_BYTES = 96;

/** The memory a chunk waiting for credit holds. */
export function heldBytes(c: StreamChunk): number {
  return chunkBytes(c) + (c.time?.length ?? 0) + CHUNK_OVERHEAD_BYTES;
}
const STATS_EVERY_MS = 1000;
const PORT_FORWARD_CONNECT_MS = 10_000;

export interface StreamDeps {
  containers: ContainerService;
  execs: ExecService;
  images: ImageService;
  log: (msg: string) => void;
  /** Loopback registries this host's owner allows pulls from (GANTRY_ALLOWED_LOOPBACK_REGISTRIES); others are refused. */
  allowedLoopbackRegistries: readonly string[];
  /** Name resolution for that check (the system's by default). */
  lookup?: Lookup;
}

export interface StreamSink {
  data(msg: StreamData): void;
  end(msg: StreamEnd): void;
  /** Bytes handed to the connection and not yet written out (the link's own backlog), when known. */
  backlog?(): number;
}

interface Source {
  /** Input (stdin, a port-forward's bytes); `written` once it was written out. Empty data ends the input. */
  input?(data: Buffer | "", written: () => void): void;
  resize?(cols: number, rows: number): void;
  /** A source that can wait: it stops producing until resume(). */
  pause?(): void;
  resume?(): void;
  stop(): void;
}

class AgentStream {
  private credit: number;
  private pending: StreamChunk[] = [];
  /** The memory `pending` holds (heldBytes of each chunk). */
  private pendingBytes = 0;
  private sourcePaused = false;
  private flushQueued = false;
  private endMsg: StreamEnd | null = null;
  done = false;
  source: Source | null = null;

  constructor(
    readonly id: string,
    credit: number,
    private readonly sink: StreamSink,
    private readonly onDone: () => void,
  ) {
    this.credit = credit;
  }

  push(c: StreamChunk) {
    if (this.done || this.endMsg) return;
    this.pending.push(c);
    this.pendingBytes += heldBytes(c);
    if (this.pendingBytes >= PAUSE_AT_BYTES && !this.sourcePaused && this.source?.pause) {
      this.sourcePaused = true;
      this.source.pause();
    }
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.pending = [];
      this.pendingBytes = 0;
      return this.finish({ streamId: this.id, error: `the reader fell more than ${MAX_PENDING_BYTES >> 20} MiB behind; the stream was ended` }, true);
    }
    // What is pushed in one turn of the event loop goes out as one message: a message per log line cost the agent
    // ~1.5 KB of socket.io bookkeeping per line while the credit lasted.
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  grant(bytes: number) {
    this.credit += bytes;
    this.flush();
  }

  /** Ends after what is pending has been sent (or at once, dropping it, when `now`). */
  finish(msg: StreamEnd, now = false) {
    if (this.done) return;
    this.endMsg = msg;
    if (now) {
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.flush();
  }

  close() {
    if (this.done) return;
    this.done = true;
    this.source?.stop();
    this.onDone();
  }

  private flush() {
    if (this.done) return;
    if (this.source?.pause && this.pending.length && (this.sink.backlog?.() ?? 0) > LINK_BACKLOG_BYTES) {
      // The link is behind: this stream's chunks wait (and its source pauses) until it has caught up.
      if (!this.flushQueued) {
        this.flushQueued = true;
        setTimeout(() => {
          this.flushQueued = false;
          this.flush();
        }, LINK_RETRY_MS).unref();
      }
      return;
    }
    const out: StreamChunk[] = [];
    while (this.pending.length && this.credit > 0) {
      const c = this.pending[0]!;
      const n = chunkBytes(c);
      if (n <= this.credit) {
        out.push(c);
        this.pending.shift();
        this.credit -= n;
        this.pendingBytes -= heldBytes(c);
        continue;
      }
      // Split at a UTF-8 boundary within the credit (base64 at a whole group of four characters).
      const buf = Buffer.from(c.data, "utf8");
      let cut = this.credit;
      if (c.encoding === "base64") cut -= cut % 4;
      else while (cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
      if (cut === 0) break;
      const head = buf.subarray(0, cut).toString("utf8");
      // A log record cut here goes on in the next chunk: its head is partial.
      out.push({ ...c, data: head, ...(c.partial !== undefined ? { partial: true } : {}) });
      this.pending[0] = { ...c, data: buf.subarray(cut).toString("utf8") };
      this.credit -= cut;
      this.pendingBytes -= cut;
    }
    for (let i = 0; i < out.length; i += 5000) this.sink.data({ streamId: this.id, chunks: out.slice(i, i + 5000) });
    if (this.sourcePaused && this.pendingBytes <= RESUME_AT_BYTES && !this.endMsg) {
      this.sourcePaused = false;
      this.source?.resume?.();
    }
    if (this.endMsg && this.pending.length === 0) {
      this.sink.end(this.endMsg);
      this.close();
    }
  }
}


export class AgentStreams {
  private readonly streams = new Map<string, AgentStream>();

  constructor(private readonly deps: StreamDeps) {}

  get count() {
    return this.streams.size;
  }

  async open(raw: unknown, sink: StreamSink): Promise<StreamOpenReply> {
    const parsed = StreamOpen.safeParse(raw);
    if (!parsed.success) return { ok: false, error: { code: "bad_request", message: `invalid stream: ${parsed.error.issues[0]?.message ?? "malformed"}` } };
    const { streamId, spec, credit } = parsed.data;
    if (this.streams.has(streamId)) return { ok: false, error: { code: "conflict", message: `stream ${streamId} is already open` } };
    const s = new AgentStream(streamId, credit, sink, () => this.streams.delete(streamId));
    this.streams.set(streamId, s);
    try {
      s.source = await this.start(spec, s);
      if (s.done) s.source.stop();
      return { ok: true };
    } catch (e) {
      this.streams.delete(streamId);
      s.done = true;
      const { code, message, internal } = toCommandError(e);
      if (internal) this.deps.log(`opening a ${spec.kind} stream failed: ${(e as Error)?.stack ?? String(e)}`);
      return { ok: false, error: { code, message } };
    }
  }

  credit(raw: unknown) {
    const m = StreamCredit.safeParse(raw);
    if (m.success) this.streams.get(m.data.streamId)?.grant(m.data.bytes);
  }

  /** Input for a stream; `ack` (when the server asked for one) once it was written out, or at once when it cannot be. */
  input(raw: unknown, ack?: (written: boolean) => void) {
    const m = StreamInput.safeParse(raw);
    const source = m.success ? this.streams.get(m.data.streamId)?.source : undefined;
    if (!m.success || !source?.input) return ack?.(false);
    const { data, encoding } = m.data;
    source.input(data === "" ? "" : Buffer.from(data, encoding === "base64" ? "base64" : "utf8"), () => ack?.(true));
  }

  resize(raw: unknown) {
    const m = StreamResize.safeParse(raw);
    if (m.success) this.streams.get(m.data.streamId)?.source?.resize?.(m.data.cols, m.data.rows);
  }

  close(raw: unknown) {
    const m = StreamClose.safeParse(raw);
    if (m.success) this.streams.get(m.data.streamId)?.close();
  }

  /** The connection is gone: every stream it carried stops. */
  closeAll() {
    for (const s of [...this.streams.values()]) s.close();
  }

  private async start(spec: StreamSpec, s: AgentStream): Promise<Source> {
    const { containers, execs, images } = this.deps;
    switch (spec.kind) {
      case "logs": {
        const r = containers.get(spec.id);
        const want = { stdout: spec.stdout ?? true, stderr: spec.stderr ?? true };
        const tail = spec.tail === undefined || spec.tail === "all" ? undefined : spec.tail;
        const since = parseTimeArg(spec.since ?? null);
        const until = parseTimeArg(spec.until ?? null);
        const send = (recs: LogRecord[]) => {
          // One record, one chunk, with its framing (lib/protocol/logs.ts): the line without its newline and whether it goes on.
          for (const rec of recs) if (want[rec.stream]) s.push(logChunk({ stream: rec.stream, time: rec.time, line: rec.content.toString("utf8"), partial: rec.partial }));
        };
        // Read as the credit allows: the stream pauses the reader when chunks wait (see AgentStream.push).
        const reader = containers.readLogs(r.Id, { since, until, tail, follow: !!spec.follow }, send, () => s.finish({ streamId: s.id }));
        return { pause: () => reader.pause(), resume: () => reader.resume(), stop: () => reader.stop() };
      }
      case "stats": {
        const r = containers.get(spec.id);
        const sample = () => {
          const cur = containers.get(r.Id);
          return cur.State.Running ? containerStats(`/gantry/${cur.Id}`, cur.State.Pid, cur.Name, cur.Id) : containerStats("/nonexistent", 0, cur.Name, cur.Id);
        };
        let prev = sample();
        const timer = setInterval(() => {
          try {
            const cur = sample();
            s.push({ stream: "event", data: JSON.stringify({ ...cur, preread: prev.read, precpu_stats: prev.cpu_stats }), time: new Date().toISOString() });
            prev = cur;
          } catch (e) {
            s.finish({ streamId: s.id, error: toCommandError(e).message });
          }
        }, STATS_EVERY_MS);
        return { stop: () => clearInterval(timer) };
      }
      case "image.pull": {
        await checkPullRegistry(spec.ref, this.deps.allowedLoopbackRegistries, this.deps.lookup);
        const abort = new AbortController();
        images
          .pull(spec.ref, {
            signal: abort.signal,
            onProgress: (ev) => s.push({ stream: "event", data: JSON.stringify(ev), time: new Date().toISOString() }),
          })
          .then(
            (result) => {
              s.push({ stream: "event", data: JSON.stringify({ status: "done", result }) });
              s.finish({ streamId: s.id, exitCode: 0 });
            },
            (e) => s.finish({ streamId: s.id, error: toCommandError(e).message }),
          );
        return { stop: () => abort.abort() };
      }
      case "attach": {
        const r = containers.get(spec.id);
        const handle = containers.attach(
          r.Id,
          { stdin: !!spec.stdin, stdout: true, stderr: true, logs: false, stream: true, detachKeys: Buffer.from([0x10, 0x11]) },
          {
            write: (n, d) => s.push({ stream: n === 1 ? "stdout" : "stderr", data: d.toString("utf8") }),
            end: () => s.finish({ streamId: s.id }),
          },
        );
        return {
          input: (d, written) => {
            if (d === "") handle.inputEnd();
            else handle.input(d);
            written();
          },
          resize: (cols, rows) => void containers.resize(r.Id, rows, cols).catch(() => {}),
          stop: () => handle.close(),
        };
      }
      case "exec": {
        const execId = execs.create(spec.id, {
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          Tty: !!spec.tty,
          Env: spec.env ?? [],
          Cmd: spec.cmd,
          WorkingDir: spec.workdir ?? "",
          User: spec.user ?? "",
          // A terminal starts at the browser's size rather than being resized just after.
          ...(spec.tty && spec.cols && spec.rows ? { ConsoleSize: [spec.rows, spec.cols] } : {}),
        });
        const io = await execs.start(execId, {
          write: (n, d) => s.push({ stream: n === 1 ? "stdout" : "stderr", data: d.toString("utf8") }),
          end: () => {
            const code = execs.get(execId).exitCode;
            s.finish({ streamId: s.id, ...(code !== null ? { exitCode: code } : {}) });
          },
        });
        if (spec.tty && spec.cols && spec.rows) void execs.resize(execId, spec.rows, spec.cols).catch(() => {});
        return {
          input: (d, written) => {
            if (d === "") io.inputEnd();
            else io.input(d);
            written();
          },
          resize: (cols, rows) => void execs.resize(execId, rows, cols).catch(() => {}),
          stop: () => io.kill(),
        };
      }
      case "portforward":
        return portForward(containers, spec, s);
    }
  }
}

/**
 * The address a pod's port is reached at from this host: its sandbox's address on the bridge (the pod's containers
 * join the sandbox's network namespace), or loopback for a pod on the host's network.
 */
function podAddress(containers: ContainerService, ref: string): string {
  let rec = containers.get(ref);
  const mode = rec.HostConfig.NetworkMode;
  if (mode.startsWith("container:")) rec = containers.get(mode.slice("container:".length));
  if (!rec.State.Running) throw new GantryError("conflict", `the pod's sandbox ${rec.Name.replace(/^\//, "")} is not running`);
  if (rec.HostConfig.NetworkMode === "host") return "127.0.0.1";
  for (const n of Object.values(rec.Networks)) if (n.IPAddress) return n.IPAddress;
  throw new GantryError("conflict", `the pod's sandbox ${rec.Name.replace(/^\//, "")} has no address`);
}

/** A TCP connection to the pod's port, read as the credit allows (the socket pauses) and written with acknowledgement. */
async function portForward(containers: ContainerService, spec: Extract<StreamSpec, { kind: "portforward" }>, s: AgentStream): Promise<Source> {
  const host = podAddress(containers, spec.id);
  const sock = connectTcp({ host, port: spec.port });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => sock.destroy(new Error("timed out")), PORT_FORWARD_CONNECT_MS);
    sock.once("connect", () => (clearTimeout(timer), resolve()));
    sock.once("error", (e) => {
      clearTimeout(timer);
      reject(new GantryError("unavailable", `failed to connect to ${host}:${spec.port} in the pod's network: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
  });
  let ended = false;
  const end = (error?: string) => {
    if (ended) return;
    ended = true;
    s.finish({ streamId: s.id, ...(error ? { error } : {}) });
  };
  sock.on("data", (d: Buffer) => s.push({ stream: "stdout", data: d.toString("base64"), encoding: "base64" }));
  sock.on("end", () => end());
  sock.on("error", (e: NodeJS.ErrnoException) => end(`the connection to ${host}:${spec.port} failed: ${e.code ?? e.message}`));
  sock.on("close", () => end());
  return {
    input: (d, written) => {
      if (d === "") {
        sock.end();
        return written();
      }
      if (sock.destroyed) return written();
      sock.write(d, () => written());
    },
    pause: () => sock.pause(),
    resume: () => sock.resume(),
    stop: () => sock.destroy(),
  };
}
