// pods/portforward (kubectl port-forward): connections to a pod's ports, each carried to the pod's host over the
// fleet's streams (a "portforward" stream: the agent connects to the port at the pod's address on its bridge) with
// their credit-based flow control both ways — the pod's bytes are credited back as the client's transport takes them,
// the client's are taken from it (SPDY's window granted back) once the agent wrote them to the pod.
//
// Three transports, one handler per forwarded connection:
// - SPDY/3.1 after an HTTP upgrade (X-Stream-Protocol-Version: portforward.k8s.io) — kubectl before 1.31, and its
//   fallback: per connection the client opens an error stream and a data stream, both with `port` and `requestID`
//   headers; the pod's bytes go on the data stream, a failure's message on the error stream, and both are closed when
//   the connection ends.
// - the same SPDY carried in WebSocket binary messages (subprotocol "SPDY/3.1+portforward.k8s.io"): kubectl 1.31+.
// - the channel protocol over a WebSocket (v4.channel.k8s.io, as the kubelet serves it, with `ports` in the query):
//   per port a data channel (2i) and an error channel (2i+1), each starting with the port as two bytes little-endian;
//   one connection per port, the WebSocket closed when all have ended.
//
// Right (lib/k8s/pod-container.ts): containers.port-forward with k8s.read, asked at the start and again every few
// seconds; the session is an activity row, settled when it ends.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, createWebSocketStream, type WebSocket } from "ws";
import type { Actor } from "@/lib/auth/policy";
import { bearerToken } from "@/lib/auth/actor";
import { actorFromApiToken } from "@/lib/api-tokens/actor-from-api-token";
import { recordActivity } from "@/lib/activity/record-activity";
import { PENDING, completeActivity } from "@/lib/activity/record-request-activity";
import { clientAddress } from "@/lib/activity/client-address";
import { openStream, type StreamHandle } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";
import { podNetworkTarget } from "@/lib/k8s/pod-container";
import { badRequest, toStatus } from "@/lib/k8s/status";
import { acceptSpdy, keepAuthorized, negotiateStreamProtocol, refuseUpgrade, upgradeKind } from "./k8s-pod-streams";
import { RstStatus, SpdySession, type SpdyStream } from "./spdy";

const PORTFORWARD_PROTOCOL = "portforward.k8s.io";
const TUNNEL_PROTOCOL = `SPDY/3.1+${PORTFORWARD_PROTOCOL}`;
const CHANNEL_PROTOCOL = "v4.channel.k8s.io";
/** How long the client has to open the second stream of a pair. */
const PAIR_MS = 30_000;

interface Forwarding {
  namespace: string;
  name: string;
  uid: string;
  hostId: number;
  containerRef: string;
  who: Actor;
  activityId: number;
}

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 1 << 20,
  handleProtocols: (offered) => (offered.has(CHANNEL_PROTOCOL) ? CHANNEL_PROTOCOL : false),
});
// "SPDY/3.1+portforward.k8s.io" is not an RFC 6455 token (the "/"), so ws refuses the header that offers it: the
// request is handed to ws without it (TUNNELLED marks it) and the answer names it.
const TUNNELLED = new WeakSet<IncomingMessage>();
wss.on("headers", (headers, req) => {
  if (TUNNELLED.has(req)) headers.push(`Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`);
});

function parsePort(v: string | null | undefined): number | null {
  return v && /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? Number(v) : null;
}

export async function upgradePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, target: { namespace: string; name: string }): Promise<void> {
  const kind = upgradeKind(req);
  let f: Forwarding;
  let protocol: string | null = null;
  let ports: number[] = [];
  try {
    if (!kind) throw badRequest("Upgrade request required");
    if (kind === "spdy") protocol = negotiateStreamProtocol(req, [PORTFORWARD_PROTOCOL]).protocol;
    const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    if (kind === "websocket" && !offered.includes(TUNNEL_PROTOCOL)) {
      // The channel protocol names its ports in the query; the tunnel's streams name theirs.
      const given = url.searchParams.getAll("ports").flatMap((p) => p.split(","));
      ports = given.map((p) => parsePort(p.trim()) ?? -1);
      if (!ports.length) throw badRequest("at least one port must be specified in ports");
      if (ports.some((p) => p < 0)) throw badRequest(`ports: Invalid value: ${JSON.stringify(given)}: each must be a port number between 1 and 65535`);
    }
    const token = bearerToken(req as Parameters<typeof bearerToken>[0]);
    const actor = token ? await actorFromApiToken(token) : null;
    const t = await podNetworkTarget(actor, target.namespace, target.name);
    const headers = { get: (n: string) => { const v = req.headers[n.toLowerCase()]; return Array.isArray(v) ? v.join(", ") : (v ?? null); } };
    const activityId = await recordActivity({
      actor: actor!,
      action: "containers.port-forward",
      target: `k8s/namespaces/${target.namespace}/pods/${target.name}/portforward`,
      outcome: PENDING,
      ip: clientAddress(headers),
      userAgent: headers.get("user-agent"),
      details: { hostId: t.hostId, ...(ports.length ? { ports } : {}) },
    });
    f = { namespace: target.namespace, name: target.name, uid: t.pod.metadata.uid ?? "", hostId: t.hostId, containerRef: t.containerRef, who: actor!, activityId };
  } catch (e) {
    return refuseUpgrade(socket, toStatus(e));
  }
  if (kind === "spdy") return serveSpdyForwarding(req, acceptSpdy(socket, head, protocol), f);
  const tunnelled = !ports.length;
  if (tunnelled) {
    TUNNELLED.add(req);
    delete req.headers["sec-websocket-protocol"];
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (tunnelled) serveSpdyForwarding(req, createWebSocketStream(ws), f);
    else serveChannelForwarding(req, ws, f, ports);
  });
}

/** One forwarded connection: the pod's port through the host, bytes both ways, its end and its failure reported. */
interface Connection {
  /** The client's bytes; `taken` once the pod's host wrote them out. */
  send(data: Buffer, taken: () => void): void;
  /** The client will send nothing more (the pod's side is half-closed). */
  endInput(): void;
  close(): void;
}

function connect(f: Forwarding, port: number, out: { data(bytes: Buffer, taken: () => void): void; end(error: string | null): void }): Connection {
  let handle: StreamHandle | null = null;
  let ended = false;
  let owed = 0;
  const pending: Array<(h: StreamHandle) => void> = [];
  const later = (fn: (h: StreamHandle) => void) => (handle ? fn(handle) : pending.push(fn));
  const end = (error: string | null) => {
    if (ended) return;
    ended = true;
    handle?.close();
    out.end(error === null ? null : `error forwarding port ${port} to pod ${f.name}_${f.namespace}, uid ${f.uid}: ${error}`);
  };
  void (async () => {
    try {
      handle = await openStream(
        f.hostId,
        { kind: "portforward", id: f.containerRef, port },
        {
          onChunk: (c) => {
            if (ended) return;
            const bytes = chunkBytes(c);
            out.data(Buffer.from(c.data, c.encoding === "base64" ? "base64" : "utf8"), () => (handle ? handle.credit(bytes) : (owed += bytes)));
          },
          onEnd: (r) => setImmediate(() => end(r.error ?? null)),
        },
        { actorId: f.who.id },
      );
    } catch (e) {
      return end(e instanceof Error ? e.message : String(e));
    }
    if (ended) return void handle.close();
    if (owed) handle.credit(owed);
    for (const fn of pending.splice(0)) fn(handle);
  })();
  return {
    send: (data, taken) => (ended ? taken() : later((h) => h.write(data, taken))),
    endInput: () => later((h) => h.endInput()),
    close: () => {
      if (ended) return;
      ended = true;
      handle?.close();
    },
  };
}

/** Settles the activity row and stops the recheck when the session ends; the recheck ends the session when the right is gone. */
function watchSession(req: IncomingMessage, f: Forwarding, stop: () => void): () => void {
  const stopRecheck = keepAuthorized(req, "portforward", f.namespace, f.name, () => stop());
  let done = false;
  return () => {
    if (done) return;
    done = true;
    stopRecheck();
    void completeActivity(f.activityId, "ok").catch(() => {});
  };
}

// ---- SPDY (upgraded, or tunnelled in a WebSocket) ----

function serveSpdyForwarding(req: IncomingMessage, transport: Duplex, f: Forwarding) {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  const connections = new Set<Connection>();
  const session = new SpdySession(transport, {
    onStream: (s) => {
      const type = s.header("streamtype");
      const id = s.header("requestid");
      const port = parsePort(s.header("port"));
      if ((type !== "data" && type !== "error") || id === undefined) return s.reset(RstStatus.PROTOCOL_ERROR);
      s.reply();
      let pair = pairs.get(id);
      if (!pair) {
        const timer = setTimeout(() => {
          pairs.delete(id);
          pair?.error?.write(Buffer.from(`timed out waiting for the ${pair?.data ? "error" : "data"} stream of request ${id}`));
          pair?.error?.end();
          pair?.data?.reset();
        }, PAIR_MS);
        timer.unref();
        pair = { timer };
        pairs.set(id, pair);
      }
      if (pair[type]) return s.reset(RstStatus.PROTOCOL_ERROR);
      pair[type] = s;
      if (!pair.data || !pair.error) return;
      clearTimeout(pair.timer);
      pairs.delete(id);
      const { data, error } = pair;
      // The client writes nothing on the error stream: anything it does send is taken and dropped.
      error.on("data", (d: Buffer) => error.consumed(d.length));
      const finish = (message: string | null) => {
        if (message !== null) error.write(Buffer.from(message));
        error.end();
        data.end();
      };
      if (port === null) return finish(`invalid port ${JSON.stringify(s.header("port") ?? "")}: a port number between 1 and 65535 is required`);
      const conn = connect(f, port, { data: (bytes, taken) => data.write(bytes, taken), end: (message) => (connections.delete(conn), finish(message)) });
      connections.add(conn);
      data.on("data", (d: Buffer) => conn.send(d, () => data.consumed(d.length)));
      data.on("end", () => conn.endInput());
      data.on("reset", () => (connections.delete(conn), conn.close()));
    },
  });
  const settle = watchSession(req, f, () => session.destroy());
  session.on("close", () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    for (const c of connections) c.close();
    settle();
  });
}

// ---- the channel protocol over a WebSocket ----

function serveChannelForwarding(req: IncomingMessage, ws: WebSocket, f: Forwarding, ports: number[]) {
  const connections: Array<Connection | null> = [];
  let open = ports.length;
  const settle = watchSession(req, f, () => ws.close(1000));
  const portBytes = (p: number) => Buffer.from([p & 0xff, p >> 8]);
  ports.forEach((port, i) => {
    const dataChannel = 2 * i;
    const errorChannel = 2 * i + 1;
    ws.send(Buffer.concat([Buffer.from([dataChannel]), portBytes(port)]));
    ws.send(Buffer.concat([Buffer.from([errorChannel]), portBytes(port)]));
    connections[i] = connect(f, port, {
      data: (bytes, taken) => (ws.readyState === ws.OPEN ? ws.send(Buffer.concat([Buffer.from([dataChannel]), bytes]), () => taken()) : taken()),
      end: (message) => {
        connections[i] = null;
        if (message !== null && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([errorChannel]), Buffer.from(message)]));
        if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
      },
    });
  });
  // Input waits for the host's write before the next message is read: the WebSocket's own flow control.
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
  let waiting = 0;
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || !data.length) return;
    const channel = data[0]!;
    const conn = channel % 2 === 0 ? connections[channel / 2] : null;
    if (!conn || data.length === 1) return;
    if (++waiting === 1) socket?.pause();
    conn.send(data.subarray(1), () => {
      if (--waiting === 0) socket?.resume();
    });
  });
  ws.on("close", () => {
    for (const c of connections) c?.close();
    settle();
  });
}
