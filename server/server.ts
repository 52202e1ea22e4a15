// The control-plane process: one HTTPS server on PORT (plain HTTP with GANTRY_TLS=off) carrying Next.js (pages, /api)
// and socket.io (agents and browsers on their own namespaces). A composition root: it wires the parts and handles
// start-up and shutdown, nothing else.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { Server as SocketServer } from "socket.io";
import next from "next";
import pg from "pg";
import { loadConfig } from "./config";
import { boundHeapGrowth } from "./heap";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded-postgres";
import { applyMigrations } from "./db/migrate";
import { stampClientAddress, trustedProxies } from "@/lib/http/client-address";
import { ensureTlsMaterial, tlsFrontDoor, type TlsMaterial } from "./tls";
import { refuseMalformedPath } from "./request-guard";

const log = (msg: string) => console.log(`[gantry] ${msg}`);

function fail(msg: string): never {
  console.error(`[gantry] error: ${msg}`);
  process.exit(1);
}

async function main() {
  boundHeapGrowth();
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    fail((e as Error).message);
  }
  let trusted;
  try {
    trusted = trustedProxies();
  } catch (e) {
    fail((e as Error).message);
  }
  let tls: TlsMaterial | null = null;
  if (config.tls) {
    try {
      tls = await ensureTlsMaterial(config.tls, config.publicUrl, log);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  const scheme = tls ? "https" : "http";
  process.env.NEXTAUTH_SECRET = config.authSecret;
  process.env.NEXTAUTH_URL ??= `${scheme}://localhost:${config.port}`;
  process.env.NEXT_TELEMETRY_DISABLED = "1";

  // Until Next and the database are ready, every request but the socket.io handshake gets a 503.
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (handle) return handle(req, res);
    res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
    res.end(JSON.stringify({ status: "starting" }));
  };
  const http = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createServer(onRequest);
  // With TLS, one listener on PORT hands TLS connections to `http` and redirects plain-HTTP requests to https.
  const front = tls ? tlsFrontDoor(http) : null;
  const listener = front?.listener ?? http;

  // Bind first: a port in use is reported before anything else starts.
  await new Promise<void>((resolve) => {
    listener.once("error", (e: NodeJS.ErrnoException) => {
      fail(e.code === "EADDRINUSE" ? `port ${config.port} is already in use (set PORT to another port)` : `cannot listen on port ${config.port}: ${e.message}`);
    });
    listener.listen(config.port, config.host, () => resolve());
  });
  log(`listening on ${scheme}://${config.host}:${config.port}`);
  if (tls) log(`TLS certificate ${tls.certPath} (SHA-256 ${tls.fingerprint}${tls.selfSigned ? ", pinned by agents" : ""})`);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    try {
      embedded = await startEmbeddedPostgres(config.dataDir, log);
    } catch (e) {
      fail(`could not start the embedded PostgreSQL: ${(e as Error).message}`);
    }
    databaseUrl = embedded.url;
    log("embedded PostgreSQL is running");
  }
  process.env.DATABASE_URL = databaseUrl;
  await checkDatabase(databaseUrl);
  try {
    await applyMigrations(databaseUrl, log);
  } catch (e) {
    fail((e as Error).message);
  }

  // Modules that touch the database are loaded only now that DATABASE_URL is set.
  const { db } = await import("@/lib/db");
  const { attachBrowserGateway, browserPublisher, BROWSER_NAMESPACE } = await import("./browser-gateway");
  const { attachAgentGateway, refuseUntilOpen } = await import("./agent-gateway");
  const { AGENT_NAMESPACE } = await import("@/lib/protocol");
  const { serverContext } = await import("@/lib/server-context");

  const app = next({ dev: config.dev, dir: process.cwd(), hostname: "localhost", port: config.port });
  await app.prepare();
  const requestHandler = app.getRequestHandler();

  // Upgrades other than socket.io's are answered below (the Kubernetes API's exec and attach), not dropped by it.
  const io = new SocketServer(http, { path: "/socket.io", serveClient: false, maxHttpBufferSize: 1_000_000, destroyUpgrade: false });
  // Nothing below may be reached by a socket before its gateway's authentication is in place.
  const starting = refuseUntilOpen(io, [AGENT_NAMESPACE, BROWSER_NAMESPACE]);
  const installJobs = (await import("./ssh/install-job")).createInstallJobRunner(io, { agentEnv: process.env.GANTRY_SSH_AGENT_ENV });
  serverContext.set({
    io,
    publisher: browserPublisher(io),
    publicUrl: config.publicUrl,
    tls: tls && { certPath: tls.certPath, fingerprint: tls.fingerprint, pinned: tls.selfSigned },
    installJobs: installJobs,
  });
  const k8s = await (await import("./k8s-gateway")).attachK8sGateway({ dataDir: config.dataDir });
  // The controllers and the pod and service dispatches stop before the k8s gateway, whose change feed their watches read.
  const controllers = (await import("./controllers")).attachControllers(config.controllers);
  const pods = (await import("./pod-dispatch")).attachPodDispatch(io);
  const services = (await import("./service-dispatch")).attachServiceDispatch(io);
  const network = (await import("./network-dispatch")).attachNetworkDispatch(io, config.network);
  const gateways = [attachBrowserGateway(io), attachAgentGateway(io, { pods, services, network }), controllers, pods, services, network, k8s, { close: async () => installJobs.close() }];
  (await import("./metrics-collectors")).registerMetricsCollectors(io, BROWSER_NAMESPACE);
  starting.open();

  // Who is asking is decided here, from the socket (X-Forwarded-For only from GANTRY_TRUSTED_PROXIES).
  handle = (req, res) => {
    if (refuseMalformedPath(req, res)) return;
    stampClientAddress(req, trusted);
    if (k8s.owns(req)) return k8s.handle(req, res);
    void requestHandler(req, res);
  };
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith("/socket.io/")) return; // socket.io's own
    stampClientAddress(req, trusted);
    if (k8s.owns(req)) return k8s.upgrade(req, socket, head);
    socket.destroy();
  });
  log(`ready on ${scheme}://localhost:${config.port}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    for (const g of gateways) await g.close?.();
    io.close();
    http.closeAllConnections?.();
    front?.plain.closeAllConnections();
    await new Promise((r) => listener.close(() => r(undefined)));
    await db.$disconnect().catch(() => {});
    await embedded?.stop().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

async function checkDatabase(url: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (e) {
    const where = url.replace(/\/\/[^@/]*@/, "//");
    fail(`database unreachable at ${where}: ${(e as Error).message || String(e)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

main().catch((e) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e)));
