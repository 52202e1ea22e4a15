// The command plane in the test's own process, so a test can call lib/fleet the way route handlers do: the real
// agent gateway (server/agent-gateway.ts) on its own socket.io server, over the control plane's own database. Every
// other request (the agent's HTTP join) is forwarded to the real control plane.
import { createServer, type Server } from "node:http";
import { Server as SocketServer } from "socket.io";
import { freePort, type ControlPlane } from "../support/control-plane";
import { fullBusyboxEntries } from "../support/docker-cli";

/** A busybox root filesystem for a test image. */
export const busyboxImage = fullBusyboxEntries;

export interface CommandPlane {
  url: string;
  io: SocketServer;
  close(): Promise<void>;
}

/** Once per test process: the lib modules bind to this control plane's database on first use. */
export async function startCommandPlane(cp: ControlPlane): Promise<CommandPlane> {
  process.env.DATABASE_URL = cp.databaseUrl;
  process.env.GANTRY_HEARTBEAT_STALE_MS ??= "2500";
  process.env.GANTRY_HEARTBEAT_OFFLINE_MS ??= "5000";
  const { serverContext } = await import("@/lib/server-context");
  const { attachAgentGateway } = await import("@/server/agent-gateway");
  const { browserPublisher } = await import("@/server/browser-gateway");
  const http: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(cp.url + req.url, {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "connection", "content-length"].includes(k))) as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  const port = await freePort();
  await new Promise<void>((r) => http.listen(port, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${port}`;
  const io = new SocketServer(http, { path: "/socket.io", serveClient: false, maxHttpBufferSize: 1_000_000 });
  serverContext.set({ io, publisher: browserPublisher(io), publicUrl: url });
  const gateway = attachAgentGateway(io);
  return {
    url,
    io,
    close: async () => {
      await gateway.close();
      io.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
