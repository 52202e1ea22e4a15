// The Docker-compatible Engine API on a unix socket (GANTRY_DOCKER_SOCKET). Paths come versioned (/v1.43/images/json) or
// bare; a version outside [MIN_API_VERSION, MAX_API_VERSION] is refused the way dockerd refuses it, and /_ping's
// Api-Version header is what makes a newer docker CLI drop to our version. Each route is a method, a path pattern and a
// handler; every thrown error becomes {"message"} with its status in one place (errors.ts).
import { createServer, ServerResponse, type IncomingMessage, type Server } from "node:http";
import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, unlinkSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import { badParameter, toApiError } from "./errors";
import { UPGRADE_HEAD } from "./hijack";
import { sendJson, type Ctx } from "./http";

export const MAX_API_VERSION = "1.43";
export const MIN_API_VERSION = "1.24";

export type Handler = (ctx: Ctx) => Promise<void> | void;
export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** "1.9" < "1.10": compares dotted versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function route(method: string, path: string, handler: Handler): Route {
  // "{name}" takes anything, slashes included (an image name is host:port/path:tag); the rest of the path is literal.
  const pattern = new RegExp("^" + path.split(/\{[a-z]+\}/).map(escapeRegExp).join("(.+)") + "$");
  return { method, pattern, handler };
}

function escapeRegExp(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface DockerApiServer {
  server: Server;
  socketPath: string;
  close(): Promise<void>;
}

export async function startDockerApi(opts: { socketPath: string; routes: Route[]; log: (msg: string) => void }): Promise<DockerApiServer> {
  const { socketPath, routes, log } = opts;
  const server = createServer({ keepAlive: true }, (req, res) => {
    void dispatch(req, res, routes, log);
  });
  // Attach and exec start ask for `Connection: Upgrade`: the same routes answer them, over the raw socket (hijack.ts).
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    (req as unknown as Record<symbol, Buffer>)[UPGRADE_HEAD] = head;
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    res.on("finish", () => socket.end());
    socket.on("error", () => {});
    void dispatch(req, res, routes, log);
  });
  // Builds and pulls stream for minutes; no request timeout applies to them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o755 });
  await removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o660);
  // The socket file goes with the process, however it exits (the server's own close() also removes it).
  const ino = statSync(socketPath).ino;
  const unlinkOurs = () => {
    try {
      if (statSync(socketPath).ino === ino) unlinkSync(socketPath);
    } catch {
      /* already gone */
    }
  };
  process.once("exit", unlinkOurs);
  return {
    server,
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        process.off("exit", unlinkOurs);
        unlinkOurs();
      }),
  };
}

function decodeParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw badParameter(`malformed percent-encoding in the path: ${p}`);
  }
}

export class SocketInUseError extends Error {}

/**
 * A socket file left by an agent that died is removed. A socket someone still answers on is theirs: SocketInUseError.
 * Anything that is not a socket is not ours to remove.
 */
async function removeStaleSocket(path: string) {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) throw new SocketInUseError(`another process is serving ${path}`);
  unlinkSync(path);
}

async function dispatch(req: IncomingMessage, res: ServerResponse, routes: Route[], log: (msg: string) => void) {
  try {
    const url = new URL(req.url ?? "/", "http://docker");
    let path = url.pathname;
    let version = MAX_API_VERSION;
    const m = /^\/v([0-9]+(?:\.[0-9]+)*)(\/.*)$/.exec(path);
    if (m) {
      version = m[1];
      path = m[2];
      if (compareVersions(version, MAX_API_VERSION) > 0) {
        return sendJson(res, 400, { message: `client version ${version} is too new. Maximum supported API version is ${MAX_API_VERSION}` });
      }
      if (compareVersions(version, MIN_API_VERSION) < 0) {
        return sendJson(res, 400, {
          message: `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
        });
      }
    }
    const method = req.method === "HEAD" && path === "/_ping" ? "HEAD" : (req.method ?? "GET");
    let matched: { route: Route; params: string[] } | null = null;
    let pathKnown = false;
    for (const r of routes) {
      const pm = r.pattern.exec(path);
      if (!pm) continue;
      pathKnown = true;
      if (r.method === method) {
        matched = { route: r, params: pm.slice(1).map(decodeParam) };
        break;
      }
    }
    if (!matched) {
      // dockerd answers an unknown path or method with 404 "page not found".
      return sendJson(res, 404, { message: pathKnown ? `page not found: ${method} ${path} is not a route of this API` : "page not found" });
    }
    res.setHeader("Api-Version", version);
    res.setHeader("Server", "Gantry");
    await matched.route.handler({ req, res, version, path, params: matched.params, query: url.searchParams, log });
  } catch (e) {
    const err = toApiError(e);
    if (err.internal) log(`internal error on ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (!res.headersSent) sendJson(res, err.status, { message: err.message });
    else res.destroy();
  }
}
