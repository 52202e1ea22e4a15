"use client";
// One exec session over the page's /browser socket (server/browser-exec.ts): start it, feed it input and size, hear
// its output and its end. Output is acknowledged only when the caller says it has taken it (`done`) — that
// acknowledgement is the flow-control credit, so a terminal that is busy rendering receives no faster than it renders.
import type { Socket } from "socket.io-client";

export interface ExecSpec {
  hostId: number;
  container: string;
  cmd: string[];
  cols: number;
  rows: number;
}

export interface ExecEnd {
  exitCode?: number;
  error?: string;
}

export interface ExecHandlers {
  onData(data: string, done: () => void): void;
  onEnd(end: ExecEnd): void;
}

export interface ExecSession {
  input(data: string): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

type StartReply = { ok: true; execId: string } | { ok: false; error: string; code?: string };
type DataMsg = { execId: string; stream: string; data: string };

const START_TIMEOUT_MS = 30_000;
const INPUT_PIECE = 64 * 1024;

/**
 * Starts `spec.cmd` with a terminal in the container; rejects with the server's reason (forbidden, not running, …).
 * Output and even the end may reach the handlers before this resolves.
 */
export async function startExecSession(socket: Socket, spec: ExecSpec, handlers: ExecHandlers): Promise<ExecSession> {
  let execId: string | null = null;
  let ended = false;
  // Output can arrive just before the start is acknowledged: held until this session knows its id.
  const early: Array<[DataMsg, (() => void) | undefined]> = [];

  const deliver = (msg: DataMsg, ack?: () => void) => {
    let acked = false;
    handlers.onData(msg.data, () => {
      if (acked) return;
      acked = true;
      ack?.();
    });
  };
  const onData = (msg: DataMsg, ack?: () => void) => {
    if (ended || !msg || typeof msg.data !== "string") return;
    if (execId === null) early.push([msg, ack]);
    else if (msg.execId === execId) deliver(msg, ack);
  };
  const finish = (end: ExecEnd) => {
    if (ended) return;
    ended = true;
    cleanup();
    handlers.onEnd(end);
  };
  const onEnd = (msg: { execId: string } & ExecEnd) => {
    if (execId !== null && msg?.execId === execId) finish({ exitCode: msg.exitCode, error: msg.error });
  };
  // The server ends every session of a connection that drops.
  const onDisconnect = () => finish({ error: "the connection to the control plane was lost" });
  const cleanup = () => {
    socket.off("exec:data", onData);
    socket.off("exec:end", onEnd);
    socket.off("disconnect", onDisconnect);
  };
  socket.on("exec:data", onData);
  socket.on("exec:end", onEnd);

  let reply: StartReply;
  try {
    reply = await new Promise<StartReply>((resolve, reject) => {
      const onConnectError = (e: Error) => {
        socket.off("connect_error", onConnectError);
        reject(new Error(/unauthorized/.test(e.message) ? "your session has ended: sign in again" : `cannot reach the control plane: ${e.message}`));
      };
      if (!socket.connected) socket.once("connect_error", onConnectError);
      socket.timeout(START_TIMEOUT_MS).emit("exec:start", { ...spec, tty: true }, (err: Error | null, r: StartReply) => {
        socket.off("connect_error", onConnectError);
        if (err) return reject(new Error("the control plane did not answer in time"));
        // Known at once (not after an await): output and the end may follow in the same tick.
        if (r?.ok) {
          execId = r.execId;
          socket.on("disconnect", onDisconnect);
          for (const [msg, ack] of early.splice(0)) if (msg.execId === r.execId) deliver(msg, ack);
        }
        resolve(r);
      });
    });
  } catch (e) {
    ended = true;
    cleanup();
    throw e;
  }
  if (!reply?.ok) {
    ended = true;
    early.length = 0;
    cleanup();
    throw new Error(reply?.error ?? "the session could not be started");
  }
  const id = reply.execId;

  return {
    input: (data) => {
      if (ended) return;
      // A large paste goes in pieces the server accepts (it refuses a message over 1 MiB), never splitting a surrogate pair.
      for (let i = 0; i < data.length; ) {
        let end = Math.min(data.length, i + INPUT_PIECE);
        if (end < data.length && /[\ud800-\udbff]/.test(data[end - 1]!)) end--;
        socket.emit("exec:input", { execId: id, data: data.slice(i, end) });
        i = end;
      }
    },
    resize: (cols, rows) => {
      if (!ended) socket.emit("exec:resize", { execId: id, cols, rows });
    },
    close: () => {
      if (ended) return;
      socket.emit("exec:close", { execId: id });
      // Stop listening now; the host's end arrives for a session nobody shows any more.
      ended = true;
      cleanup();
    },
  };
}
