// socket.io namespace /browser: signed-in users' pages subscribe to live updates. Authenticated once at the handshake
// from the next-auth session cookie; every event is authorized through lib/auth/policy like the HTTP routes, against
// the socket's live actor (server/browser-actor.ts), which lib's actor-changed signal re-reads at once.
import type { Server as SocketServer, Socket } from "socket.io";
import { actorFromSessionRef, bearerToken, parseCookieHeader, sessionFromRequest, type SessionRef } from "@/lib/auth/actor";
import { setActorChangeListener } from "@/lib/users/actor-changes";
import { attachExecEvents } from "./browser-exec";
import { attachStreamEvents } from "./browser-streams";
import { attachKubeWatchEvents } from "./browser-kube-watch";
import { LiveActor } from "./browser-actor";
import { can, hostIdsFor, type Actor } from "@/lib/auth/policy";
import { PER_HOST_ROOMS, ROOMS, hostRoom, type BrowserRoom, type RealtimePublisher } from "@/lib/realtime/rooms";
import { installJobRoom } from "@/lib/hosts/install-job-schemas";
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
      const session = await sessionFromRequest(req as never);
      if (!session || session.actor.disabled) return next(new Error("unauthorized: sign in first"));
      socket.data.actorId = session.actor.id;
      socket.data.actor = session.actor;
      // A socket opened with an API token (the CLI) stays that token, and one opened with a session cookie stays that
      // session: re-checked (token revoked or expired, session ended, role capped by the token's) on each event.
      socket.data.session = session.ref;
      next();
    } catch {
      next(new Error("unauthorized: could not read the session"));
    }
  });
  // A user's role, status or sessions, or one of their tokens, changed: their sockets here re-read who they are now,
  // which ends the streams they may no longer hold (and the socket, when its session or token is gone).
  setActorChangeListener((change) => {
    for (const socket of nsp.sockets.values()) {
      if (socket.data.actorId === change.userId) void (socket.data.live as LiveActor | undefined)?.refresh();
    }
  });

  nsp.on("connection", (socket: Socket) => {
    const ref = socket.data.session as SessionRef;
    const live = new LiveActor(socket.data.actor as Actor, () => actorFromSessionRef(ref));
    socket.data.live = live;
    const currentActor = (): Promise<Actor | null> => live.refresh();
    attachExecEvents(socket, live);
    attachStreamEvents(socket, live);
    attachKubeWatchEvents(socket, live);
    // After the streams have ended with the reason: a socket whose session or token is gone is cut.
    live.watch({ active: () => false, changed: (actor) => void (actor === null && socket.disconnect(true)) });
    live.start();
    socket.on("disconnect", () => live.stop());
    // Everything a browser sees, it sees through rooms it may read; the actor is re-read on each subscribe, and the
    // socket's rooms follow it whenever it is read again (a role or binding changed, a host left a group): what a
    // person may no longer see stops arriving.
    const subscribed = new Set<BrowserRoom>();
    const follow = (actor: Actor | null) => {
      for (const room of subscribed) {
        const want = new Set(roomsFor(actor, room));
        for (const joined of socket.rooms) if ((joined === room || joined.startsWith(`${room}:`)) && !want.has(joined)) void socket.leave(joined);
        void socket.join([...want]);
      }
    };
    live.watch({ active: () => subscribed.size > 0, changed: follow });
    // One install job's steps as they change (server/ssh/install-job.ts emits "install-job" to its room): for those who
    // may add hosts over SSH. The room is left when that right goes.
    const jobRooms = new Set<string>();
    live.watch({
      active: () => jobRooms.size > 0,
      changed: (actor) => {
        if (can(actor, "hosts.install")) return;
        for (const room of jobRooms) void socket.leave(room);
        jobRooms.clear();
      },
    });
    socket.on("install-job.subscribe", async (jobId: unknown, ack?: (r: unknown) => void) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (typeof jobId !== "string" || !/^[a-z0-9]{1,64}$/.test(jobId)) return reply({ ok: false, error: "invalid install job id" });
      if (!can(await currentActor(), "hosts.install")) return reply({ ok: false, error: "forbidden" });
      jobRooms.add(installJobRoom(jobId));
      await socket.join(installJobRoom(jobId));
      reply({ ok: true });
    });
    socket.on("subscribe", async (room: unknown, ack?: (r: unknown) => void) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (typeof room !== "string" || !(room in ROOMS)) return reply({ ok: false, error: "unknown room" });
      const actor = await currentActor();
      const rooms = roomsFor(actor, room as BrowserRoom);
      if (rooms.length === 0) return reply({ ok: false, error: "forbidden" });
      subscribed.add(room as BrowserRoom);
      await socket.join(rooms);
      reply({ ok: true });
    });
  });
  return {
    close: async () => {
      setActorChangeListener(null);
      nsp.disconnectSockets(true);
    },
  };
}

/** The rooms that bring `actor` a room's events: the room itself when it may see them all, one per host in its scopes
 *  for the per-host rooms, none when it may see nothing there. */
function roomsFor(actor: Actor | null, room: BrowserRoom): string[] {
  const action = ROOMS[room];
  if (!PER_HOST_ROOMS.has(room)) return can(actor, action) ? [room] : [];
  const hosts = hostIdsFor(actor, action);
  return hosts === "all" ? [room] : hosts.map((id) => hostRoom(room, id));
}

/** The publisher lib's use cases call (set in the server context at start). A socket in both rooms gets one copy. */
export function browserPublisher(io: SocketServer): RealtimePublisher {
  return {
    publish: (room: BrowserRoom, event, payload, hostId) =>
      void io.of(BROWSER_NAMESPACE).to(hostId === undefined ? room : [room, hostRoom(room, hostId)]).emit(event, payload),
  };
}
