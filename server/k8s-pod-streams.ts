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
import { clientAddress } from "@/lib/activity/client-address";
import { openStream, type StreamHandle } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";
import { authorizePodStream, podContainerTarget, type PodStream } from "@/lib/k8s/pod-container";
import { badRequest, toStatus, type Status } from "@/lib/k8s/status";

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
function keepAuthorized(req: IncomingMessage, stream: PodStream, namespace: string, name: string, lost: (s: Status) => void): () => void {
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
          let text = timestamps && c.time ? `${c.time} ${c.data}` : c.data;
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

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 1 << 20,
  handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

/** Refuses an upgrade with a Status body (kubectl prints its message). */
function refuseUpgrade(socket: Duplex, status: Status) {
  const body = JSON.stringify(status);
  const reason = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found" }[status.code] ?? "Error";
  socket.end(`HTTP/1.1 ${status.code} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Whether a request to the Kubernetes API asks to upgrade to one of the pod streams. */
export function isPodStreamUpgrade(path: string): { namespace: string; name: string; stream: "exec" | "attach" } | null {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/.exec(path);
  return m ? { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!), stream: m[3] as "exec" | "attach" } : null;
}

export async function upgradePodStream(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, target: { namespace: string; name: string; stream: "exec" | "attach" }): Promise<void> {
  const q = url.searchParams;
  const { namespace, name, stream } = target;
  let actor: Actor | null = null;
  let activityId: number | null = null;
  let spec: Parameters<typeof openStream>[1];
  let hostId: number;
  const tty = flag(q, "tty");
  const stdin = flag(q, "stdin");
  try {
    const token = bearerToken(req as Parameters<typeof bearerToken>[0]);
    actor = token ? await actorFromApiToken(token) : null;
    if (!q.getAll("command").length && stream === "exec") throw badRequest("you must specify at least 1 command");
    if (!flag(q, "stdout") && !flag(q, "stderr") && !stdin) throw badRequest("you must specify at least 1 of stdin, stdout, stderr");
    if (tty && flag(q, "stderr")) throw badRequest("stdout and stderr cannot both be requested with a tty: tty merges them");
    const t = await podContainerTarget(actor, stream, namespace, name, { container: q.get("container") });
    hostId = t.hostId;
    spec = stream === "exec" ? { kind: "exec", id: t.containerRef, cmd: q.getAll("command"), tty } : { kind: "attach", id: t.containerRef, stdin };
    const headers = { get: (n: string) => { const v = req.headers[n.toLowerCase()]; return Array.isArray(v) ? v.join(", ") : (v ?? null); } };
    activityId = await recordActivity({
      actor: actor!,
      action: "containers.exec",
      target: `k8s/namespaces/${namespace}/pods/${name}/${stream}`,
      outcome: PENDING,
      ip: clientAddress(headers),
      userAgent: headers.get("user-agent"),
      details: { container: t.container, ...(stream === "exec" ? { command: q.getAll("command") } : {}), tty, stdin, hostId: t.hostId },
    });
  } catch (e) {
    return refuseUpgrade(socket, toStatus(e));
  }
  const who = actor!;
  wss.handleUpgrade(req, socket, head, (ws) => void bridge(ws, req, { namespace, name, stream, hostId, spec, stdin, who, activityId }));
}

interface BridgeInput {
  namespace: string;
  name: string;
  stream: "exec" | "attach";
  hostId: number;
  spec: Parameters<typeof openStream>[1];
  stdin: boolean;
  who: Actor;
  activityId: number | null;
}

async function bridge(ws: WebSocket, req: IncomingMessage, b: BridgeInput) {
  const version = ws.protocol === "channel.k8s.io" ? 1 : Number(/^v(\d)/.exec(ws.protocol)?.[1] ?? 1);
  let handle: StreamHandle | null = null;
  let ended = false;
  const frame = (channel: number, data: Buffer | string) => Buffer.concat([Buffer.from([channel]), typeof data === "string" ? Buffer.from(data) : data]);
  /** The end as the client sees it: the exit or the error on channel 3, then a normal close. */
  const end = (r: { exitCode?: number; error?: string }) => {
    if (ended) return;
    ended = true;
    stopRecheck();
    handle?.close();
    if (b.activityId !== null) void completeActivity(b.activityId, r.error ? "error" : "ok").catch(() => {});
    if (ws.readyState !== ws.OPEN) return;
    if (version >= 4) {
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
      ws.send(frame(ERROR, JSON.stringify(status)));
    } else if (r.error !== undefined || r.exitCode) {
      ws.send(frame(ERROR, r.error ?? `command terminated with non-zero exit code: exit code ${r.exitCode}`));
    }
    ws.close(1000);
  };
  const stopRecheck = keepAuthorized(req, b.stream, b.namespace, b.name, (s) => end({ error: s.message ?? "access was withdrawn" }));
  ws.on("close", () => {
    if (!ended) {
      ended = true;
      stopRecheck();
      handle?.close();
      if (b.activityId !== null) void completeActivity(b.activityId, "closed").catch(() => {});
    }
  });
  // Frames that arrive before the host has started the command wait for it; so does the credit of output sent before.
  const pending: Buffer[] = [];
  let owed = 0;
  const onFrame = (data: Buffer) => {
    if (!data.length || !handle) return void pending.push(data);
    const channel = data[0]!;
    const body = data.subarray(1);
    if (channel === STDIN && b.stdin) handle.write(body.toString("utf8"));
    else if (channel === RESIZE && version >= 3) {
      try {
        const size = JSON.parse(body.toString("utf8")) as { Width?: unknown; Height?: unknown };
        if (Number.isInteger(size.Width) && Number.isInteger(size.Height)) handle.resize(size.Width as number, size.Height as number);
      } catch {
        // a malformed resize changes nothing
      }
    } else if (channel === CLOSE && version >= 5 && body[0] === STDIN) handle.endInput();
  };
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    if (handle) onFrame(data);
    else pending.push(data);
  });
  try {
    handle = await openStream(
      b.hostId,
      b.spec,
      {
        onChunk: (c) => {
          if (c.stream === "event" || ended || ws.readyState !== ws.OPEN) return;
          const bytes = chunkBytes(c);
          ws.send(frame(c.stream === "stderr" ? STDERR : STDOUT, Buffer.from(c.data, "utf8")), () => (handle ? handle.credit(bytes) : (owed += bytes)));
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
  for (const f of pending.splice(0)) onFrame(f);
}

/** Whether a request to the Kubernetes API is for pods/log (served here). */
export function isPodLog(path: string): { namespace: string; name: string } | null {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(path);
  return m ? { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!) } : null;
}
