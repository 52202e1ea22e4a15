// Real registries for image tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1:<free port> with its
// own storage dir, in one of three modes —
//   open      anyone may pull and push
//   htpasswd  Basic auth against a bcrypt htpasswd file (written with apache2-utils' htpasswd)
//   token     Bearer tokens from a token server run here in Node: it checks Basic credentials and issues RS256
//             JWTs (x5c header) signed by a self-signed certificate (openssl) the registry trusts (rootcertbundle)
// plus a small counting proxy that can tamper with, cut or replace responses (the failure cases a test needs).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createPrivateKey, createSign, X509Certificate, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RegistryMode = "open" | "htpasswd" | "token";

export interface TestRegistry {
  /** "127.0.0.1:PORT". */
  host: string;
  mode: RegistryMode;
  users: Record<string, string>;
  /** Token server requests seen so far (token mode). */
  tokenRequests: { scope: string[]; user: string | null }[];
  dir: string;
  logs(): string;
  stop(): Promise<void>;
}

import { freePort } from "./ports";
export { freePort };

function b64url(data: Buffer | string) {
  return Buffer.from(data).toString("base64url");
}

async function waitReady(url: string, child: ChildProcess, logs: () => string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${logs()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not start:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `opts.address`: where it listens (default loopback), e.g. a test bridge's address that network namespaces reach. */
export async function startRegistry(mode: RegistryMode = "open", users: Record<string, string> = { alice: "wonderland" }, opts: { address?: string } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-registry-"));
  const port = await freePort();
  const host = `${opts.address ?? "127.0.0.1"}:${port}`;
  const tokenRequests: TestRegistry["tokenRequests"] = [];
  let tokenServer: http.Server | null = null;
  let auth = "";

  if (mode === "htpasswd") {
    const lines = Object.entries(users).map(([u, p]) => execFileSync("htpasswd", ["-nbB", u, p], { encoding: "utf8" }).trim());
    writeFileSync(join(dir, "htpasswd"), lines.join("\n") + "\n");
    auth = `auth:\n  htpasswd:\n    realm: gantry-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  if (mode === "token") {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-keyout", join(dir, "token.key"), "-out", join(dir, "token.crt"), "-subj", "/CN=gantry-test-token-issuer",
    ], { stdio: "ignore" });
    const key = createPrivateKey(readFileSync(join(dir, "token.key")));
    const certDer = new X509Certificate(readFileSync(join(dir, "token.crt"))).raw;
    const service = "gantry-test-registry";
    const issuer = "gantry-test-issuer";
    tokenServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const scopes = url.searchParams.getAll("scope");
      let user: string | null = null;
      const authz = req.headers.authorization ?? "";
      if (authz.startsWith("Basic ")) {
        const [u, ...rest] = Buffer.from(authz.slice(6), "base64").toString().split(":");
        if (users[u] !== rest.join(":")) {
          tokenRequests.push({ scope: scopes, user: u });
          res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "wrong username or password" }));
          return;
        }
        user = u;
      }
      tokenRequests.push({ scope: scopes, user });
      // Authenticated users get every action they ask for; anonymous ones nothing (so the registry answers 401).
      const access = user
        ? scopes.map((s) => {
            const [type, ...mid] = s.split(":");
            const actions = mid.pop() ?? "";
            return { type, name: mid.join(":"), actions: actions.split(",").filter(Boolean) };
          })
        : [];
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: "RS256", typ: "JWT", x5c: [certDer.toString("base64")] };
      const claims = { iss: issuer, sub: user ?? "", aud: url.searchParams.get("service") ?? service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
      const signing = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = createSign("RSA-SHA256").update(signing).sign(key);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `${signing}.${b64url(sig)}`, expires_in: 300, issued_at: new Date().toISOString() }));
    });
    await new Promise<void>((r) => tokenServer!.listen(0, "127.0.0.1", r));
    const tport = (tokenServer.address() as AddressInfo).port;
    auth = `auth:\n  token:\n    realm: http://127.0.0.1:${tport}/token\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${join(dir, "token.crt")}\n`;
  }

  writeFileSync(
    join(dir, "config.yml"),
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, "data")}
  delete:
    enabled: true
http:
  addr: ${host}
  secret: ${randomBytes(16).toString("hex")}
${auth}`,
  );
  let out = "";
  const child = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  await waitReady(`http://${host}/v2/`, child, () => out);
  return {
    host,
    mode,
    users,
    tokenRequests,
    dir,
    logs: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      if (tokenServer) await new Promise((r) => tokenServer!.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- counting / misbehaving proxy

export interface ProxiedRequest {
  method: string;
  path: string;
  range?: string;
}

export interface ProxyHooks {
  /** Answer this request here instead of forwarding it. */
  respond?(req: ProxiedRequest): { status: number; headers?: Record<string, string>; body?: Buffer } | null;
  /** For a forwarded response: flip one byte of the body (a tampered blob). */
  tamper?(req: ProxiedRequest): boolean;
  /** For a forwarded response: send this many body bytes, then cut the connection. */
  cutAfter?(req: ProxiedRequest): number | null;
  /** Delay in ms per 16 KiB of body (to make a pull slow enough to interrupt). */
  throttleMs?(req: ProxiedRequest): number;
}

export interface TestProxy {
  host: string;
  requests: ProxiedRequest[];
  hooks: ProxyHooks;
  count(method: string, pathPart: string): number;
  stop(): Promise<void>;
}

export async function startProxy(target: string, hooks: ProxyHooks = {}): Promise<TestProxy> {
  const requests: ProxiedRequest[] = [];
  const proxy: TestProxy = {
    host: "",
    requests,
    hooks,
    count: (method, part) => requests.filter((r) => r.method === method && r.path.includes(part)).length,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server = http.createServer((req, res) => {
    const info: ProxiedRequest = { method: req.method ?? "GET", path: req.url ?? "/", ...(req.headers.range ? { range: String(req.headers.range) } : {}) };
    requests.push(info);
    const canned = proxy.hooks.respond?.(info);
    if (canned) {
      res.writeHead(canned.status, canned.headers ?? {});
      res.end(canned.body ?? Buffer.alloc(0));
      return;
    }
    const [thost, tport] = target.split(":");
    const up = http.request(
      { host: thost, port: Number(tport), method: req.method, path: req.url, headers: { ...req.headers, host: proxy.host } },
      async (upRes) => {
        const tamper = proxy.hooks.tamper?.(info) ?? false;
        const cut = proxy.hooks.cutAfter?.(info) ?? null;
        const delay = proxy.hooks.throttleMs?.(info) ?? 0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        let flipped = false;
        for await (const c of upRes) {
          let chunk = c as Buffer;
          if (tamper && !flipped && chunk.length) {
            chunk = Buffer.from(chunk);
            chunk[0] ^= 0xff;
            flipped = true;
          }
          if (cut !== null && sent + chunk.length >= cut) {
            res.write(chunk.subarray(0, Math.max(0, cut - sent)));
            await new Promise((r) => setTimeout(r, 20));
            res.destroy();
            req.socket.destroy();
            upRes.destroy();
            return;
          }
          // Throttled bodies go out in 16 KiB slices, one per delay, whatever size the upstream reads were.
          const slices = delay ? Math.ceil(chunk.length / 16384) : 1;
          for (let i = 0; i < slices; i++) {
            const slice = delay ? chunk.subarray(i * 16384, (i + 1) * 16384) : chunk;
            sent += slice.length;
            if (!res.write(slice)) await new Promise((r) => res.once("drain", r));
            if (delay) await new Promise((r) => setTimeout(r, delay));
            if (res.destroyed) {
              upRes.destroy();
              return;
            }
          }
        }
        res.end();
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
