// What the control-plane process shares with code running inside Next's route handlers (which Next bundles as
// separate module instances): kept on globalThis, set once by server/server.ts.
import type { Server as SocketServer } from "socket.io";
import type { RealtimePublisher } from "@/lib/realtime/rooms";
import type { InstallJobRunner } from "@/lib/hosts/install-job-runner";

export interface ServerContext {
  io: SocketServer;
  /** Live updates to browsers (server/browser-gateway.ts implements it). */
  publisher: RealtimePublisher;
  /** The URL agents and users reach this control plane at (join commands use it). */
  publicUrl: string;
  /** The certificate served (null: plain HTTP). `pinned`: self-signed, so join commands carry its SHA-256 fingerprint
   *  for agents to pin; `certPath` is where clients that must trust it (the CLI, a kubeconfig) find it. */
  tls?: { certPath: string; fingerprint: string; pinned: boolean } | null;
  /** Runs hosts' install jobs over SSH (server/ssh/install-job.ts). */
  installJobs?: InstallJobRunner;
}

const KEY = Symbol.for("gantry.server-context");
const store = globalThis as unknown as { [KEY]?: ServerContext };

export const serverContext = {
  set(ctx: ServerContext) {
    store[KEY] = ctx;
  },
  get(): ServerContext {
    const ctx = store[KEY];
    if (!ctx) throw new Error("the control-plane server context is not set (not running under server/server.ts)");
    return ctx;
  },
  maybe(): ServerContext | undefined {
    return store[KEY];
  },
};
