// The real kubectl (/usr/bin/kubectl) against a real control plane: a kubeconfig per API token in a temp dir, and a
// runner that passes arguments as an array (and stdin when given), with its own HOME so kubectl's discovery cache is
// the test's alone.
//
// kubectl sends a bearer token only over TLS (client-go drops credentials for http:// servers), so kubectl always
// reaches the control plane over https: its own certificate when it serves TLS, else through a TLS-terminating proxy
// made here (the GANTRY_TLS=off-behind-a-proxy deployment), with a throwaway self-signed certificate from openssl.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as connectTcp, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ControlPlane } from "../support/control-plane";
import { ensureLegacyKubectl } from "../../scripts/legacy-kubectl.mjs";
import { api, type Role } from "../support/session";

export const KUBECTL = "/usr/bin/kubectl";

/**
 * kubectl 1.20 (its exec, attach and port-forward speak only SPDY), unpacked under .cache by set-up (`apt-get
 * download`, never installed over 1.32) — fetched here when set-up has not; null, with the reason printed, only when
 * apt cannot be reached.
 */
export function legacyKubectl(): string | null {
  const root = join(import.meta.dirname, "..", "..");
  const got = ensureLegacyKubectl({ root, log: (m) => process.stderr.write(`${m}\n`) });
  if (!got.path) {
    process.stderr.write(`\n*** kubectl 1.20 could not be had, its tests are SKIPPED: ${got.error} ***\n\n`);
    return null;
  }
  return got.path;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Mints an API token as the signed-in user of `cookie` (POST /api/v1/tokens). */
export async function mintToken(cp: ControlPlane, cookie: string, role?: Role): Promise<string> {
  const r = await api(cp, cookie).post("/api/v1/tokens", { name: `kubectl-${Date.now()}`, ...(role ? { role } : {}) });
  if (r.status !== 201) throw new Error(`minting a token failed: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { token: string }).token;
}

export interface Kube {
  dir: string;
  kubeconfig: string;
  run(args: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** kubectl left running (get -w): its output so far, and a way to stop it. */
  spawn(args: string[], opts?: { env?: Record<string, string> }): { child: ChildProcess; output(): string; stop(): Promise<void> };
}

/** Where kubectl reaches a control plane's Kubernetes API over https, and the certificate to trust there. */
export interface KubeEndpoint {
  server: string;
  certificate: string;
  close(): Promise<void>;
}

export async function kubeEndpoint(cp: ControlPlane): Promise<KubeEndpoint> {
  const own = (cp as ControlPlane & { tls?: { certificate: string } | null }).tls;
  if (own) return { server: `${cp.url}/k8s`, certificate: own.certificate, close: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), "gantry-k8s-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  const certificate = readFileSync(join(dir, "cert.pem"), "utf8");
  const proxy: HttpsServer = createHttpsServer({ cert: certificate, key: readFileSync(join(dir, "key.pem")) }, (req, res) => {
    const upstream = httpRequest({ host: "127.0.0.1", port: cp.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      res.flushHeaders(); // a watch's headers come before its first event
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  // Upgrades (kubectl exec and attach over WebSocket) are passed through as bytes once the request is replayed.
  const upgraded = new Set<Socket>();
  proxy.on("upgrade", (req, socket: Socket, head: Buffer) => {
    const up = connectTcp(cp.port, "127.0.0.1", () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    // Either side gone ends the other, and close() ends what is still open: an upgraded socket is no longer the HTTP
    // server's to close, and one left half-open (the client ended, the server's session still busy) kept close()
    // waiting forever.
    upgraded.add(socket);
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
    up.on("close", () => socket.destroy());
    socket.on("close", () => {
      upgraded.delete(socket);
      up.destroy();
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  const { port } = proxy.address() as { port: number };
  return {
    server: `https://127.0.0.1:${port}/k8s`,
    certificate,
    close: () => new Promise<void>((r) => {
      proxy.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      proxy.close(() => r());
    }),
  };
}

export function kubeconfigYaml(server: string, token: string | null, certificate?: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: gantry",
    "  cluster:",
    `    server: ${server}`,
    ...(certificate ? [`    certificate-authority-data: ${Buffer.from(certificate).toString("base64")}`] : []),
    "users:",
    "- name: gantry",
    `  user: ${token ? `{token: ${token}}` : "{}"}`,
    "contexts:",
    "- name: gantry",
    "  context: {cluster: gantry, user: gantry, namespace: default}",
    "current-context: gantry",
    "",
  ].join("\n");
}

export function kube(endpoint: KubeEndpoint, token: string | null, kubeconfig?: string, kubectl = KUBECTL): Kube {
  const dir = mkdtempSync(join(tmpdir(), "gantry-kubectl-"));
  const file = join(dir, "kubeconfig");
  writeFileSync(file, kubeconfig ?? kubeconfigYaml(endpoint.server, token, endpoint.certificate), { mode: 0o600 });
  const env = { ...process.env, HOME: dir, KUBECONFIG: file, KUBECACHEDIR: join(dir, "cache") };
  return {
    dir,
    kubeconfig: file,
    run(args, opts = {}) {
      return new Promise((resolve) => {
        const child = execFile(kubectl, ["--kubeconfig", file, ...args], { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
        );
        // Always closed: without credentials kubectl would otherwise wait for a username on stdin.
        child.stdin!.end(opts.stdin ?? "");
      });
    },
    spawn(args, opts = {}) {
      const child = spawn(kubectl, ["--kubeconfig", file, ...args], { env: { ...env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      return {
        child,
        output: () => out,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    },
  };
}

/** Waits until `check` returns true, polling; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until `check` holds for the pod as kubectl reads it; a timeout says where the pod stood — its phase,
 * conditions, container states and its events — so a failure reads without a rerun.
 */
export async function untilPod(k: Kube, name: string, check: (pod: any) => boolean, ms: number, what: string): Promise<any> {
  let last: any = null;
  try {
    await until(async () => {
      const r = await k.run(["get", "pod", name, "-o", "json"]);
      last = r.code === 0 ? JSON.parse(r.stdout) : { error: r.stderr.trim() };
      return r.code === 0 && check(last);
    }, ms, what);
    return last;
  } catch (e) {
    const events = await k.run(["get", "events", "--field-selector", `involvedObject.name=${name}`, "-o", "custom-columns=AGE:.lastTimestamp,TYPE:.type,REASON:.reason,MESSAGE:.message"]).catch(() => null);
    throw new Error(`${(e as Error).message}; the pod: ${JSON.stringify(last?.status ?? last)}; its events:\n${events?.stdout ?? events?.stderr ?? "(none read)"}`);
  }
}

export interface KubeResponse {
  status: number;
  headers: import("node:http").IncomingHttpHeaders;
  body: any;
}

/** Raw calls to the Kubernetes API over https with a bearer token (for what kubectl has no flag for). */
export function kapi(endpoint: KubeEndpoint, token: string | null) {
  const base = new URL(endpoint.server);
  const open = (method: string, path: string, headers: Record<string, string>) =>
    httpsRequest(new URL(base.pathname.replace(/\/$/, "") + path, base), {
      method,
      ca: [endpoint.certificate],
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
  return {
    request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<KubeResponse> {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
        const req = open(method, path, { ...(payload !== undefined ? { "content-type": "application/json" } : {}), ...headers });
        req.on("response", (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              /* keep the text */
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
        });
        req.on("error", reject);
        req.end(payload);
      });
    },
    /** A watch stream: every event so far, a wait for one that matches, and close. */
    watch(path: string) {
      const events: Array<{ type: string; object: any }> = [];
      let status = 0;
      let buffered = "";
      let ended = false;
      const req = open("GET", path, {});
      req.on("response", (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          buffered += d;
          let nl: number;
          while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line) events.push(JSON.parse(line));
          }
        });
        res.on("end", () => (ended = true));
      });
      req.on("error", () => (ended = true));
      req.end();
      return {
        events,
        status: () => status,
        ended: () => ended,
        async waitFor(pred: (e: { type: string; object: any }) => boolean, ms = 15_000, what = "a watch event") {
          await until(() => events.some(pred), ms, `${what} (saw ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))})`);
          return events.find(pred)!;
        },
        close() {
          req.destroy();
        },
      };
    },
  };
}

/**
 * The Kubernetes API's store in this test process, on a real PostgreSQL of its own (embedded, migrated as the control
 * plane migrates it), with the change feed running: for lib/k8s code the control plane runs in process (the system
 * client, the garbage collector), tested without HTTP. Sets DATABASE_URL for this process.
 */
export async function startKubeStore(): Promise<{ databaseUrl: string; stop(): Promise<void> }> {
  const { mkdtempSync: mkd, rmSync } = await import("node:fs");
  const { randomBytes } = await import("node:crypto");
  const dataDir = mkd(join(tmpdir(), "gantry-k8s-store-"));
  const { startEmbeddedPostgres } = await import("../../server/db/embedded-postgres");
  await (await import("../support/postgres-template")).seedPostgres(dataDir);
  const { applyMigrations } = await import("../../server/db/migrate");
  const pgServer = await startEmbeddedPostgres(dataDir, () => {});
  await applyMigrations(pgServer.url);
  process.env.DATABASE_URL = pgServer.url;
  const { setSecretsKey } = await import("@/lib/k8s/secret-box");
  setSecretsKey(randomBytes(32));
  const { startChangeFeed, stopChangeFeed } = await import("@/lib/k8s/change-feed");
  await startChangeFeed({ historySeconds: 60, pollMs: 500 });
  return {
    databaseUrl: pgServer.url,
    async stop() {
      await stopChangeFeed();
      const { db } = await import("@/lib/db");
      await db.$disconnect().catch(() => {});
      await pgServer.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
