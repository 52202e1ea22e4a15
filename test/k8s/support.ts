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
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ControlPlane } from "../support/control-plane";
import { api, type Role } from "../support/session";

export const KUBECTL = "/usr/bin/kubectl";

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
  spawn(args: string[]): { child: ChildProcess; output(): string; stop(): Promise<void> };
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
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  const { port } = proxy.address() as { port: number };
  return {
    server: `https://127.0.0.1:${port}/k8s`,
    certificate,
    close: () => new Promise<void>((r) => {
      proxy.closeAllConnections();
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

export function kube(endpoint: KubeEndpoint, token: string | null, kubeconfig?: string): Kube {
  const dir = mkdtempSync(join(tmpdir(), "gantry-kubectl-"));
  const file = join(dir, "kubeconfig");
  writeFileSync(file, kubeconfig ?? kubeconfigYaml(endpoint.server, token, endpoint.certificate), { mode: 0o600 });
  const env = { ...process.env, HOME: dir, KUBECONFIG: file, KUBECACHEDIR: join(dir, "cache") };
  return {
    dir,
    kubeconfig: file,
    run(args, opts = {}) {
      return new Promise((resolve) => {
        const child = execFile(KUBECTL, ["--kubeconfig", file, ...args], { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
        );
        if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
      });
    },
    spawn(args) {
      const child = spawn(KUBECTL, ["--kubeconfig", file, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
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
