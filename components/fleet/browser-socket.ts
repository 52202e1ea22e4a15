"use client";
// The page's one connection to the control plane's /browser namespace, shared by every live view on it (logs, charts,
// pull progress, terminals, room subscriptions), and the stream protocol of server/browser-streams.ts on top of it.
import { io, type Socket } from "socket.io-client";
import type { StreamChunk, StreamSpec } from "@/lib/protocol/commands";

let shared: Socket | null = null;
let users = 0;

/** Borrows the shared socket; call the returned release when done (the last release disconnects it). */
export function borrowBrowserSocket(): { socket: Socket; release: () => void } {
  if (!shared) shared = io("/browser", { path: "/socket.io", transports: ["websocket", "polling"] });
  users++;
  const socket = shared;
  let released = false;
  return {
    socket,
    release: () => {
      if (released) return;
      released = true;
      if (--users === 0 && shared === socket) {
        socket.disconnect();
        shared = null;
      }
    },
  };
}

export type BrowserStreamSpec = Extract<StreamSpec, { kind: "logs" | "stats" | "image.pull" }>;

export interface BrowserStreamHandlers {
  /** A batch of chunks, in order. */
  onChunks(chunks: StreamChunk[]): void;
  onEnd(result: { exitCode?: number; error?: string }): void;
}

/**
 * Opens a stream from a host. Each batch is acknowledged after `onChunks` returns — that acknowledgement is the
 * flow-control credit, so a page that is busy receives no faster than it renders. Returns a close function.
 */
export function openBrowserStream(socket: Socket, hostId: number, spec: BrowserStreamSpec, handlers: BrowserStreamHandlers): () => void {
  let streamId: string | null = null;
  let closed = false;
  const onData = (msg: { streamId: string; chunks: StreamChunk[] }, ack?: () => void) => {
    if (msg.streamId !== streamId) return;
    try {
      if (!closed) handlers.onChunks(msg.chunks);
    } finally {
      ack?.();
    }
  };
  const onEnd = (msg: { streamId: string; exitCode?: number; error?: string }) => {
    if (msg.streamId !== streamId) return;
    cleanup();
    if (!closed) handlers.onEnd({ exitCode: msg.exitCode, error: msg.error });
  };
  // The server ends every stream of a connection that drops.
  const onDisconnect = () => {
    cleanup();
    if (!closed) handlers.onEnd({ error: "the connection to the control plane was lost" });
  };
  const cleanup = () => {
    socket.off("stream:data", onData);
    socket.off("stream:end", onEnd);
    socket.off("disconnect", onDisconnect);
  };
  socket.on("stream:data", onData);
  socket.on("stream:end", onEnd);
  socket.on("disconnect", onDisconnect);
  socket.emit("stream:open", { hostId, spec }, (r: { ok: boolean; streamId?: string; error?: string }) => {
    if (!r?.ok || !r.streamId) {
      cleanup();
      if (!closed) handlers.onEnd({ error: r?.error ?? "the stream could not be opened" });
      return;
    }
    streamId = r.streamId;
    if (closed) socket.emit("stream:close", { streamId });
  });
  return () => {
    if (closed) return;
    closed = true;
    cleanup();
    if (streamId) socket.emit("stream:close", { streamId });
  };
}
