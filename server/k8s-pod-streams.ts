// The pod subresources that stream: pods/log over plain HTTP (kubectl logs [-f] [--tail] [--since] [--previous]
// [--timestamps] [--limit-bytes]) and pods/exec and pods/attach over a WebSocket (kubectl exec / attach with -i and -t),
// each carried to the pod's host over the fleet's existing streams (lib/fleet/streams.ts) with their credit-based flow
// control: a reader that stops reading stalls only its own stream.
//
// The WebSocket speaks kube-apiserver's channel protocols — v5.channel.k8s.io (stdin can be closed: a [255, 0]
// frame), v4 (the exit as a Status on the error channel), v3 (resize), v2 and channel.k8s.io — every binary frame one
// channel byte then data: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize ({"Width","Height"}). A non-zero exit is a
// Failure Status with reason NonZeroExitCode and the code as an ExitCode cause, which kubectl turns into its own
// exit code.
//
// Rights (lib/k8s/pod-container.ts): containers.logs for logs, containers.exec for exec and attach, asked at the
// start and again every few seconds from the bearer token (a revoked token, a disabled user or a lower role ends
// the stream). An exec or attach writes its activity row before the host is asked, and its outcome after.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Actor } from "@/lib/auth/policy";
import { bearerToken } from "@/lib/auth/actor";
import { actorFromApiToken } from "@/lib/api-tokens/actor-from-api-token";
import { recordActivity } from "@/lib/activity/record-activity";
import { PENDING, completeActivity } from "@/lib/activity/record-request-activity";
import { TerminalInput } from "@/lib/activity/terminal-input";
import { clientAddress } from "@/lib/activity/client-address";
import { openStream, type StreamHandle } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";
import { lineText, recordsOfChunk } from "@/lib/protocol/logs";
import { authorizePodStream, podContainerTarget, type PodStream } from "@/lib/k8s/pod-container";
import { KubeError, badRequest, toStatus, type Status } from "@/lib/k8s/status";
import { SpdySession, type SpdyStream } from "./spdy";

/** How often an open stream's token and rights are asked again. */
const RECHECK_MS = 5000;
const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"] as const;
const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4, CLOSE = 255;

const flag = (q: URLSearchParams, name: string) => {
  const v = q.get(name);
  return v === "true" || v === "1";
};

function nonNegativeInt(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw badRequest(`${name}: Invalid value: ${JSON.stringify(v)}: must be an integer of at least ${min}`);
  return Number(v);
}

/** Asks the token again every RECHECK_MS; `lost` is called once with the Status when the right is gone. */
export function keepAuthorized(req: IncomingMessage, stream: PodStream, namespace: string, name: string, lost: (s: Status) => void): () => void {
  const token = bearerToken(req as Parameters<typeof bearerToken>[0]);
  const timer = setInterval(() => {
    void (async () => {
      try {
        authorizePodStream(token ? await actorFromApiToken(token) : null, stream, namespace, name);
      } catch (e) {
        clearInterval(timer);
        lost(toStatus(e));
      }
    })().catch(() => {});
  }, RECHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

// ---- pods/log ----

export async function servePodLog(req: IncomingMessage, res: ServerResponse, actor: Actor, namespace: string, name: string, q: URLSearchParams): Promise<void> {
  const tail = nonNegativeInt(q, "tailLines", 0);
  const sinceSeconds = nonNegativeInt(q, "sinceSeconds", 1);
  const sinceTime = q.get("sinceTime");
  const limitBytes = nonNegativeInt(q, "limitBytes", 1);
  if (sinceSeconds !== undefined && sinceTime) throw badRequest("at most one of sinceTime or sinceSeconds may be specified");
  if (sinceTime && Number.isNaN(Date.parse(sinceTime))) throw badRequest(`sinceTime: Invalid value: ${JSON.stringify(sinceTime)}: must be an RFC 3339 time`);
  const since = sinceSeconds !== undefined ? String(Date.now() / 1000 - sinceSeconds) : sinceTime ? String(Date.parse(sinceTime) / 1000) : undefined;
  const timestamps = flag(q, "timestamps");
  const target = await podContainerTarget(actor, "log", namespace, name, { container: q.get("container"), previous: flag(q, "previous") });

  let sent = 0;
  const midLine = { stdout: false, stderr: false };
  let handle: StreamHandle | null = null;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    stopRecheck();
    handle?.close();
    if (!res.writableEnded) res.end();
  };
  const stopRecheck = keepAuthorized(req, "log", namespace, name, () => finish());
  const early: Array<() => void> = [];
  try {
    handle = await openStream(
      target.hostId,
      { kind: "logs", id: target.containerRef, follow: flag(q, "follow"), ...(tail !== undefined ? { tail } : {}), ...(since ? { since } : {}) },
      {
        onChunk: (c) => {
          if (c.stream === "event" || done) return;
          const bytes = chunkBytes(c);
          // Each record as it comes (a partial one too, as the kubelet does), its time only where its line starts.
          let text = "";
          for (const r of recordsOfChunk(c)) {
            if (timestamps && r.time && !midLine[r.stream]) text += `${r.time} `;
            text += lineText(r);
            midLine[r.stream] = r.partial;
          }
          if (limitBytes !== undefined) {
            const room = limitBytes - sent;
            if (Buffer.byteLength(text) > room) text = Buffer.from(text).subarray(0, room).toString("utf8");
          }
          sent += Buffer.byteLength(text);
          const write = () => res.write(text, () => handle?.credit(bytes));
          if (handle) write();
          else early.push(write);
          if (limitBytes !== undefined && sent >= limitBytes) finish();
        },
        onEnd: () => (handle ? finish() : early.push(finish)),
      },
      { actorId: actor.id },
    );
  } catch (e) {
    stopRecheck();
    throw e; // the gateway answers it as a Status (a host offline is 503, an unknown container 404)
  }
  res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
  res.flushHeaders();
  res.on("close", finish);
  for (const f of early.splice(0)) f();
}

// ---- pods/exec and pods/attach ----

/** Refuses an upgrade with a Status body (kubectl prints its message). */
export function refuseUpgrade(socket: Duplex, status: Status) {
  const body = JSON.stringify(status);
  const reason = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found" }[status.code] ?? "Error";
  socket.end(`HTTP/1.1 ${status.code} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export type PodStreamTarget = { namespace: string; name: string; stream: "exec" | "attach" | "portforward" };

/** Whether a request to the Kubernetes API is for one of the pod streams that upgrade (exec, attach, portforward). */
export function isPodStreamUpgrade(path: string): PodStreamTarget | null {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/.exec(path);
  return m ? { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!), stream: m[3] as PodStreamTarget["stream"] } : null;
}

/** Which upgrade a request asks for: a WebSocket, SPDY/3.1, or neither. */
export function upgradeKind(req: IncomingMessage): "websocket" | "spdy" | null {
  const u = String(req.headers.upgrade ?? "").toLowerCase();
  return u === "websocket" ? "websocket" : u === "spdy/3.1" ? "spdy" : null;
}

/**
 * The SPDY handshake (apimachinery's httpstream): the first protocol the client offers in X-Stream-Protocol-Version
 * (several headers, or one comma-separated) that the server speaks; no header at all is the legacy protocol (null).
 */
export function negotiateStreamProtocol(req: IncomingMessage, server: readonly string[]): { protocol: string | null } {
  const offered = String(req.headers["x-stream-protocol-version"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  if (!offered.length) return { protocol: null };
  const protocol = offered.find((p) => server.includes(p));
  if (!protocol) throw new KubeError(403, "Forbidden", `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server accepts ${JSON.stringify(server)}`);
  return { protocol };
}

/** Answers an upgrade to SPDY/3.1 (101), naming the negotiated protocol; what the client sent after the request is kept. */
export function acceptSpdy(socket: Duplex, head: Buffer, protocol: string | null): Duplex {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : ""}\r\n`);
  if (head.length) socket.unshift(head);
  return socket;
}

const versionOf = (protocol: string | null) => (!protocol || protocol === "channel.k8s.io" ? 1 : Number(/^v(\d)/.exec(protocol)?.[1] ?? 1));

interface CommandInput {
  namespace: string;
  name: string;
  stream: "exec" | "attach";
  hostId: number;
  spec: Parameters<typeof openStream>[1];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  who: Actor;
  activityId: number | null;
}

/** Checks an exec or attach request (its token, rights, parameters and pod) and writes its activity row. */
async function prepareCommand(req: IncomingMessage, url: URL, target: { namespace: string; name: string; stream: "exec" | "attach" }): Promise<CommandInput> {
  const q = url.searchParams;
  const { namespace, name, stream } = target;
  const tty = flag(q, "tty");
  const stdin = flag(q, "stdin");
  const token = bearerToken(req as Parameters<typeof bearerToken>[0]);
  const actor = token ? await actorFromApiToken(token) : null;
  if (!q.getAll("command").length && stream === "exec") throw badRequest("you must specify at least 1 command");
  if (!flag(q, "stdout") && !flag(q, "stderr") && !stdin) throw badRequest("you must specify at least 1 of stdin, stdout, stderr");
  if (tty && flag(q, "stderr")) throw badRequest("stdout and stderr cannot both be requested with a tty: tty merges them");
  const t = await podContainerTarget(actor, stream, namespace, name, { container: q.get("container") });
  const spec: Parameters<typeof openStream>[1] = stream === "exec" ? { kind: "exec", id: t.containerRef, cmd: q.getAll("command"), tty } : { kind: "attach", id: t.containerRef, stdin };
  const headers = { get: (n: string) => { const v = req.headers[n.toLowerCase()]; return Array.isArray(v) ? v.join(", ") : (v ?? null); } };
  const activityId = await recordActivity({
    actor: actor!,
    action: "containers.exec",
    target: `k8s/namespaces/${namespace}/pods/${name}/${stream}`,
    outcome: PENDING,
    ip: clientAddress(headers),
    userAgent: headers.get("user-agent"),
    details: { container: t.container, ...(stream === "exec" ? { command: q.getAll("command") } : {}), tty, stdin, hostId: t.hostId },
  });
  return { namespace, name, stream, hostId: t.hostId, spec, stdin, stdout: flag(q, "stdout"), stderr: flag(q, "stderr"), tty, who: actor!, activityId };
}

/** What carries a command's streams to the client: a WebSocket's channels, or SPDY streams. */
interface CommandTransport {
  /** The channel protocol's version (1 for channel.k8s.io): what the error channel carries at the end. */
  version: number;
  output(stream: "stdout" | "stderr", data: Buffer, written: () => void): void;
  /** The end: `error` (when not null) goes on the error channel, then everything is closed. */
  finish(error: string | null): void;
}

interface CommandControl {
  stdin(data: Buffer, written: () => void): void;
  endStdin(): void;
  resize(width: number, height: number): void;
  /** The client went away. */
  gone(): void;
}

/** What the error channel says at the end: v4+ a Status (Success, or the exit code as a cause), before that an error's text. */
function errorChannelPayload(version: number, b: CommandInput, r: { exitCode?: number; error?: string }): string | null {
  if (version < 4) return r.error !== undefined || r.exitCode ? (r.error ?? `command terminated with non-zero exit code: exit code ${r.exitCode}`) : null;
  const status =
    r.error !== undefined
      ? { metadata: {}, status: "Failure", message: r.error, reason: "InternalError" }
      : r.exitCode
        ? {
            metadata: {},
            status: "Failure",
            message: `command terminated with non-zero exit code: error executing command [${b.spec.kind === "exec" ? b.spec.cmd.join(" ") : "attach"}], exit code ${r.exitCode}`,
            reason: "NonZeroExitCode",
            details: { causes: [{ reason: "ExitCode", message: String(r.exitCode) }] },
          }
        : { metadata: {}, status: "Success" };
  return JSON.stringify(status);
}

/**
 * Runs an exec or attach on the pod's host and carries it over `t`, whatever the transport: output with its credit
 * given back as the client takes it, input queued until the host has started the command, the rights asked again
 * every few seconds, the activity row settled at the end.
 */
function runCommand(req: IncomingMessage, b: CommandInput, t: CommandTransport): CommandControl {
  let handle: StreamHandle | null = null;
  let ended = false;
  let owed = 0;
  const pending: Array<(h: StreamHandle) => void> = [];
  const later = (f: (h: StreamHandle) => void) => (handle ? f(handle) : pending.push(f));
  // What the client sent on stdin (kubectl exec -i / attach), for the session's end record (capped).
  const typed = new TerminalInput();
  const recordInput = (r: { exitCode?: number; error?: string }) => {
    if (!b.stdin) return;
    const target = `k8s/namespaces/${b.namespace}/pods/${b.name}/${b.stream}`;
    void recordActivity({ actor: b.who, action: "containers.exec", target, outcome: r.error ? "error" : "ok", details: { event: "end", ...r, ...typed.record() } }).catch(() => {});
  };
  const end = (r: { exitCode?: number; error?: string }) => {
    if (ended) return;
    ended = true;
    stopRecheck();
    handle?.close();
    recordInput(r);
    if (b.activityId !== null) void completeActivity(b.activityId, r.error ? "error" : "ok").catch(() => {});
    t.finish(errorChannelPayload(t.version, b, r));
  };
  const stopRecheck = keepAuthorized(req, b.stream, b.namespace, b.name, (s) => end({ error: s.message ?? "access was withdrawn" }));
  void (async () => {
    try {
      handle = await openStream(
        b.hostId,
        b.spec,
        {
          onChunk: (c) => {
            if (c.stream === "event" || ended) return;
            const bytes = chunkBytes(c);
            t.output(c.stream, Buffer.from(c.data, c.encoding === "base64" ? "base64" : "utf8"), () => (handle ? handle.credit(bytes) : (owed += bytes)));
          },
          onEnd: (r) => setImmediate(() => end(r)),
        },
        { actorId: b.who.id },
      );
    } catch (e) {
      return end({ error: e instanceof Error ? e.message : String(e) });
    }
    if (ended) return void handle.close();
    if (owed) handle.credit(owed);
    if (!b.stdin && b.spec.kind === "exec") handle.endInput();
    for (const f of pending.splice(0)) f(handle);
  })();
  return {
    stdin: (data, written) => {
      if (!b.stdin) return written();
      typed.add(data.toString("utf8"));
      later((h) => h.write(data, written));
    },
    endStdin: () => later((h) => h.endInput()),
    resize: (w, hgt) => later((h) => h.resize(w, hgt)),
    gone: () => {
      if (ended) return;
      ended = true;
      stopRecheck();
      handle?.close();
      recordInput({ error: "the client went away" });
      if (b.activityId !== null) void completeActivity(b.activityId, "closed").catch(() => {});
    },
  };
}

export async function upgradePodStream(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, target: { namespace: string; name: string; stream: "exec" | "attach" }): Promise<void> {
  const kind = upgradeKind(req);
  let b: CommandInput;
  let spdyProtocol: string | null = null;
  try {
    if (!kind) throw badRequest("Upgrade request required");
    if (kind === "spdy") spdyProtocol = negotiateStreamProtocol(req, SPDY_PROTOCOLS).protocol;
    b = await prepareCommand(req, url, target);
  } catch (e) {
    return refuseUpgrade(socket, toStatus(e));
  }
  if (kind === "spdy") return serveSpdyCommand(req, acceptSpdy(socket, head, spdyProtocol), versionOf(spdyProtocol), b);
  wss.handleUpgrade(req, socket, head, (ws) => serveWebSocketCommand(ws, req, b));
}

// ---- over a WebSocket: kube-apiserver's channel protocols ----

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 1 << 20,
  handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

function serveWebSocketCommand(ws: WebSocket, req: IncomingMessage, b: CommandInput) {
  const version = versionOf(ws.protocol);
  const frame = (channel: number, data: Buffer | string) => Buffer.concat([Buffer.from([channel]), typeof data === "string" ? Buffer.from(data) : data]);
  const control = runCommand(req, b, {
    version,
    output: (stream, data, written) => (ws.readyState === ws.OPEN ? ws.send(frame(stream === "stderr" ? STDERR : STDOUT, data), () => written()) : undefined),
    finish: (error) => {
      if (ws.readyState !== ws.OPEN) return;
      if (error !== null) ws.send(frame(ERROR, error));
      ws.close(1000);
    },
  });
  ws.on("close", () => control.gone());
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || !data.length) return;
    const channel = data[0]!;
    const body = data.subarray(1);
    if (channel === STDIN) control.stdin(body, () => {});
    else if (channel === RESIZE && version >= 3) {
      const size = parseSize(body.toString("utf8"));
      if (size) control.resize(size.Width, size.Height);
    } else if (channel === CLOSE && version >= 5 && body[0] === STDIN) control.endStdin();
  });
}

function parseSize(text: string): { Width: number; Height: number } | null {
  try {
    const size = JSON.parse(text) as { Width?: unknown; Height?: unknown };
    return Number.isInteger(size.Width) && Number.isInteger(size.Height) ? (size as { Width: number; Height: number }) : null;
  } catch {
    return null; // a malformed resize changes nothing
  }
}

// ---- over SPDY/3.1: a stream per channel, named by its streamType header (kubectl before 1.30, and its fallback) ----

const SPDY_PROTOCOLS = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"] as const;
/** How long the client has to open every stream it asked for. */
const STREAM_CREATION_MS = 30_000;

function serveSpdyCommand(req: IncomingMessage, transport: Duplex, version: number, b: CommandInput) {
  // The streams the client opens: the error stream, each of stdin/stdout/stderr it asked for, and resize with a tty.
  const expected = new Set<string>(["error", ...(b.stdin ? ["stdin"] : []), ...(b.stdout ? ["stdout"] : []), ...(b.stderr && !b.tty ? ["stderr"] : []), ...(b.tty && version >= 3 ? ["resize"] : [])]);
  const streams = new Map<string, SpdyStream>();
  let control: CommandControl | null = null;
  const timer = setTimeout(() => {
    if (control) return;
    const error = streams.get("error");
    error?.write(Buffer.from(`timed out waiting for the client to create streams: ${[...expected].filter((t) => !streams.has(t)).join(", ")}`));
    session.close();
  }, STREAM_CREATION_MS);
  timer.unref();
  const session = new SpdySession(transport, {
    onStream: (s) => {
      const type = s.header("streamtype") ?? "";
      if (!expected.has(type) || streams.has(type) || control) return s.reset();
      s.reply();
      streams.set(type, s);
      if (streams.size === expected.size) start();
    },
  });
  session.on("close", () => {
    clearTimeout(timer);
    if (control) control.gone();
    else if (b.activityId !== null) void completeActivity(b.activityId, "closed").catch(() => {});
  });
  const start = () => {
    clearTimeout(timer);
    const stdin = streams.get("stdin");
    const resize = streams.get("resize");
    control = runCommand(req, b, {
      version,
      output: (stream, data, written) => {
        const s = streams.get(stream);
        if (s) s.write(data, written);
        else written();
      },
      finish: (error) => {
        const e = streams.get("error");
        if (e && error !== null) e.write(Buffer.from(error));
        for (const s of streams.values()) s.end();
        session.close();
      },
    });
    const c = control;
    stdin?.on("data", (d: Buffer) => c.stdin(d, () => stdin.consumed(d.length)));
    stdin?.on("end", () => c.endStdin());
    // Resizes come as JSON objects one after another ({"Width":80,"Height":24}), as Go's json.Encoder writes them.
    let text = "";
    resize?.on("data", (d: Buffer) => {
      resize.consumed(d.length);
      text += d.toString("utf8");
      let nl: number;
      while ((nl = text.indexOf("\n")) >= 0) {
        const size = parseSize(text.slice(0, nl));
        text = text.slice(nl + 1);
        if (size) c.resize(size.Width, size.Height);
      }
    });
    // Whatever else the client sends on a stream it should only read is taken and dropped.
    for (const [type, s] of streams) if (type !== "stdin" && type !== "resize") s.on("data", (d: Buffer) => s.consumed(d.length));
  };
}

/** Whether a request to the Kubernetes API is for pods/log (served here). */
export function isPodLog(path: string): { namespace: string; name: string } | null {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(path);
  return m ? { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!) } : null;
}
