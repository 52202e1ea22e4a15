// The raw stream of attach and exec start. The docker CLI asks for an upgrade (`Connection: Upgrade`, `Upgrade: tcp`)
// and gets "101 UPGRADED"; older clients get "200 OK" and the same stream. Either way the HTTP connection then carries
// the container's output (8-byte multiplexed frames without a TTY: stream type, three zero bytes, big-endian length;
// raw bytes with one) and the client's input; the client half-closes when its stdin ends.
import type { Duplex } from "node:stream";
import { badParameter } from "./errors";
import { readJson, type Ctx } from "./http";

/** The upgrade's leftover bytes (input sent right after the headers) are kept here by the server's upgrade hook. */
export const UPGRADE_HEAD = Symbol("gantry.upgradeHead");

export interface HijackedStream {
  /** Output for the client: multiplexed unless `raw`. */
  write(stream: 0 | 1 | 2, data: Buffer): void;
  end(): void;
  readonly socket: Duplex;
}

/**
 * The body of a request that asks for an upgrade: Node hands such a request over unparsed, its body (sent right after
 * the headers, Content-Length bytes) at the start of the upgrade's leftover bytes; the rest stays input. Null when the
 * request is not an upgrade (its body is the ordinary request stream).
 */
async function takeUpgradeBody(ctx: Ctx): Promise<Buffer | null> {
  const holder = ctx.req as unknown as Record<symbol, Buffer | undefined>;
  const head = holder[UPGRADE_HEAD];
  if (head === undefined) return null;
  const length = Number(ctx.req.headers["content-length"] ?? 0);
  if (!Number.isSafeInteger(length) || length < 0) throw badParameter(`invalid Content-Length: ${ctx.req.headers["content-length"]}`);
  let buf = head;
  const socket = ctx.req.socket;
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer) => {
        socket.off("end", onEnd);
        socket.pause();
        resolve(d);
      };
      const onEnd = () => {
        socket.off("data", onData);
        resolve(null);
      };
      socket.once("data", onData);
      socket.once("end", onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  holder[UPGRADE_HEAD] = buf.subarray(length);
  return buf.subarray(0, length);
}

/** The JSON body of exec start (upgraded or not); an empty body is `undefined`. */
export async function readUpgradeBody(ctx: Ctx): Promise<unknown> {
  const body = await takeUpgradeBody(ctx);
  if (body === null) return readJson(ctx.req);
  const text = body.toString("utf8").trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badParameter(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Drops the body of an upgraded attach: its options are in the query, and clients that send them again as a body
 * (dockerode does, as JSON with a Content-Length) must not see them arrive on the container's stdin. Only the bytes
 * after the body are input, as with dockerd, which never hands the request body to the container.
 */
export async function skipUpgradeBody(ctx: Ctx): Promise<void> {
  await takeUpgradeBody(ctx);
}

/** Frames `data` for a multiplexed stream: [stream, 0, 0, 0, len(4 BE)] + data. */
export function muxFrame(stream: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}

/**
 * Takes over the connection: writes the 101 (or 200) answer and hands back the socket. `onInput` gets the client's
 * bytes, `onInputEnd` its half-close, `onClose` the connection going away.
 */
export function hijack(
  ctx: Ctx,
  raw: boolean,
  handlers: { onInput?: (d: Buffer) => void; onInputEnd?: () => void; onClose?: () => void },
): HijackedStream {
  const { req, res } = ctx;
  const socket = req.socket as Duplex;
  const upgrade = /upgrade/i.test(String(req.headers.connection ?? "")) && !!req.headers.upgrade;
  const contentType = raw ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
  // Detach the socket from the HTTP machinery: from here on it is ours.
  res.detachSocket?.(socket as never);
  socket.removeAllListeners("data");
  socket.removeAllListeners("timeout");
  (socket as { setTimeout?: (ms: number) => void }).setTimeout?.(0);
  (socket as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
  socket.write(
    upgrade
      ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
      : `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  let closed = false;
  const head = (req as unknown as Record<symbol, Buffer | undefined>)[UPGRADE_HEAD];
  if (head?.length) queueMicrotask(() => handlers.onInput?.(head));
  socket.on("data", (d: Buffer) => handlers.onInput?.(d));
  socket.on("end", () => handlers.onInputEnd?.());
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
    handlers.onClose?.();
  });
  // Reading the request body may have paused the socket (a body that came in a packet of its own); a paused socket
  // stays paused when a 'data' listener is added, and the client's input would never arrive.
  socket.resume();
  if (!upgrade) req.resume();
  return {
    socket,
    write(stream, data) {
      if (closed || !data.length) return;
      socket.write(raw ? data : muxFrame(stream, data));
    },
    end() {
      if (closed) return;
      closed = true;
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    },
  };
}
