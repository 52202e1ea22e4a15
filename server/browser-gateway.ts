// socket.io namespace /browser: signed-in users' pages subscribe to live updates. Authenticated once at the handshake
// from the next-auth session cookie; every event is authorized through lib/auth/policy like the HTTP routes.
import type { Server as SocketServer, Socket } from "socket.io";
import { actorFromRequest, actorFromUserId, bearerToken, parseCookieHeader } from "@/lib/auth/actor";
import { actorFromApiToken } from "@/lib/api-tokens/actor-from-api-token";
import { attachExecEvents } from "./browser-exec";
import { attachStreamEvents } from "./browser-streams";
import { can, type Actor } from "@/lib/auth/policy";
import { ROOMS, type BrowserRoom, type RealtimePublisher } from "@/lib/realtime/rooms";
import { stampClientAddress } from "@/lib/http/client-address";
import { crossSiteReason } from "@/lib/http/same-origin";

export const BROWSER_NAMESPACE = "/browser";

export function attachBrowserGateway(io: SocketServer) {
  const nsp = io.of(BROWSER_NAMESPACE);
  nsp.use(async (socket, next) => {
    try {
      const req = socket.request as typeof socket.request & { cookies?: Record<string, string> };
      req.cookies = parseCookieHeader(req.headers.cookie);
      stampClientAddress(req);
      // A page of another origin (another port of this host is one) must not ride the user's cookie into a socket.
      if (bearerToken(req as never) === null) {
        const reason = crossSiteReason({ get: (n) => (typeof req.headers[n] === "string" ? (req.headers[n] as string) : null) });
        if (reason) return next(new Error(`forbidden: cross-site connection refused (${reason})`));
      }
      const actor = await actorFromRequest(req as never);
      if (!actor || actor.disabled) return next(new Error("unauthorized: sign in first"));
      socket.data.actorId = actor.id;
      // A socket opened with an API token (the CLI) stays that token: re-checked, and capped by its role, on each event.
      socket.data.apiToken = bearerToken(req as never);
      next();
    } catch {
      next(new Error("unauthorized: could not read the session"));
    }
  });
  nsp.on("connection", (socket: Socket) => {
    const currentActor = (): Promise<Actor | null> => (socket.data.apiToken ? actorFromApiToken(socket.data.apiToken) : actorFromUserId(socket.data.actorId));
    attachExecEvents(socket, currentActor);
    attachStreamEvents(socket, currentActor);
    // Everything a browser sees, it sees through rooms it may read; the actor is re-read on each subscribe.
    socket.on("subscribe", async (room: unknown, ack?: (r: unknown) => void) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (typeof room !== "string" || !(room in ROOMS)) return reply({ ok: false, error: "unknown room" });
      const actor = await currentActor();
      if (!can(actor, ROOMS[room as keyof typeof ROOMS])) return reply({ ok: false, error: "forbidden" });
      await socket.join(room);
      reply({ ok: true });
    });
  });
  return { close: async () => void nsp.disconnectSockets(true) };
}

/** The publisher lib's use cases call (set in the server context at start). */
export function browserPublisher(io: SocketServer): RealtimePublisher {
  return { publish: (room: BrowserRoom, event, payload) => void io.of(BROWSER_NAMESPACE).to(room).emit(event, payload) };
}
