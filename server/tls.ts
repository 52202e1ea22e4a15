// The control plane's certificate: the operator's (GANTRY_TLS_CERT + GANTRY_TLS_KEY), or one generated on first start
// under GANTRY_DATA/tls by openssl — a self-signed leaf (no CA), key mode 0600, kept across restarts because agents pin
// its SHA-256 fingerprint. Also the one listener on PORT: TLS connections go to the https server, a plain-HTTP request
// gets a redirect to https (so http://host:3000 still leads somewhere).
import { execFile } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { createServer as createNetServer, isIP, type Server as NetServer } from "node:net";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { ServerConfig } from "./config";

export interface TlsMaterial {
  cert: string;
  key: string;
  certPath: string;
  /** SHA-256 of the certificate (DER), as Node and `openssl x509 -fingerprint -sha256` print it: "AB:CD:…". */
  fingerprint: string;
  /** Self-signed (the generated one, or an operator's): agents pin its fingerprint, as no CA vouches for it. */
  selfSigned: boolean;
}

const run = promisify(execFile);
const VALID_DAYS = 3650; // agents pin the certificate itself, so it outlives most installations

/** Reads the configured certificate and key, generating them first when they are ours and missing or do not match. */
export async function ensureTlsMaterial(tls: NonNullable<ServerConfig["tls"]>, publicUrl: string, log: (m: string) => void): Promise<TlsMaterial> {
  if (tls.provided) {
    for (const [what, path] of [["GANTRY_TLS_CERT", tls.certPath], ["GANTRY_TLS_KEY", tls.keyPath]]) {
      if (!existsSync(path)) throw new Error(`${what} names ${path}, which does not exist`);
    }
    const material = readMaterial(tls.certPath, tls.keyPath);
    if (typeof material === "string") throw new Error(`GANTRY_TLS_CERT/GANTRY_TLS_KEY: ${material}`);
    return material;
  }
  const existing = existsSync(tls.certPath) && existsSync(tls.keyPath) ? readMaterial(tls.certPath, tls.keyPath) : null;
  if (existing && typeof existing !== "string") return existing;
  if (typeof existing === "string") log(`the certificate in ${dirname(tls.certPath)} is unusable (${existing}); making a new one`);
  await generateSelfSigned(tls.certPath, tls.keyPath, certificateNames(publicUrl));
  const made = readMaterial(tls.certPath, tls.keyPath);
  if (typeof made === "string") throw new Error(`the generated certificate is unusable: ${made}`);
  log(`generated a self-signed certificate: ${tls.certPath} (SHA-256 ${made.fingerprint})`);
  return made;
}

/** The certificate and key as PEM with what agents need to know about it, or why they cannot be used. */
function readMaterial(certPath: string, keyPath: string): TlsMaterial | string {
  let cert: string, key: string, x509: X509Certificate;
  try {
    cert = readFileSync(certPath, "utf8");
    key = readFileSync(keyPath, "utf8");
    x509 = new X509Certificate(cert);
  } catch (e) {
    return `cannot read ${certPath}: ${(e as Error).message}`;
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) return `the key in ${keyPath} is not the certificate's`;
  } catch (e) {
    return `cannot read the key in ${keyPath}: ${(e as Error).message}`;
  }
  // Not checkIssued: it also asks for keyCertSign, which a leaf (ours included) rightly lacks.
  const selfSigned = x509.issuer === x509.subject && x509.verify(x509.publicKey);
  return { cert, key, certPath, fingerprint: x509.fingerprint256, selfSigned };
}

/** The names the generated certificate is valid for: loopback, this machine's name, and the public URL's host. */
function certificateNames(publicUrl: string): string[] {
  const names = new Set(["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
  const add = (name: string) => {
    const host = name.replace(/^\[|\]$/g, "");
    if (isIP(host)) names.add(`IP:${host}`);
    else if (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) names.add(`DNS:${host}`);
  };
  add(hostname());
  try {
    add(new URL(publicUrl).hostname);
  } catch {
    /* validated by the config already */
  }
  return [...names];
}

async function generateSelfSigned(certPath: string, keyPath: string, names: string[]) {
  const dir = dirname(certPath);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  mkdirSync(dirname(keyPath), { recursive: true, mode: 0o700 });
  const tmp = (p: string) => `${p}.${process.pid}.tmp`;
  const configFile = join(dir, `.openssl.${process.pid}.cnf`);
  // Our own config, not the system's openssl.cnf: the same extensions whatever the distribution's defaults are.
  writeFileSync(
    configFile,
    [
      "[req]",
      "distinguished_name = dn",
      "x509_extensions = ext",
      "prompt = no",
      "[dn]",
      "CN = Gantry control plane",
      "[ext]",
      `subjectAltName = ${names.join(",")}`,
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,digitalSignature",
      "extendedKeyUsage = serverAuth",
      "subjectKeyIdentifier = hash",
      "",
    ].join("\n"),
  );
  try {
    await run("openssl", [
      "req", "-x509", "-new", "-nodes",
      "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-keyout", tmp(keyPath), "-out", tmp(certPath),
      "-days", String(VALID_DAYS), "-config", configFile,
    ]).catch((e: NodeJS.ErrnoException & { stderr?: string }) => {
      throw new Error(e.code === "ENOENT" ? "openssl is not installed (apt-get install openssl), and no GANTRY_TLS_CERT/GANTRY_TLS_KEY were given" : `openssl failed: ${e.stderr?.trim() || e.message}`);
    });
    chmodSync(tmp(keyPath), 0o600);
    chmodSync(tmp(certPath), 0o644);
    // The key first: a crash between the two leaves a pair that does not match, which the next start replaces.
    renameSync(tmp(keyPath), keyPath);
    renameSync(tmp(certPath), certPath);
  } finally {
    for (const f of [configFile, tmp(keyPath), tmp(certPath)]) rmSync(f, { force: true });
  }
}

/**
 * The one listener on PORT when TLS is on: a connection that opens with a TLS handshake record goes to `https`;
 * anything else is plain HTTP and is answered with a permanent redirect to the same URL over https.
 */
export function tlsFrontDoor(https: HttpServer | HttpsServer): { listener: NetServer; plain: HttpServer } {
  const plain = createHttpServer((req, res) => {
    const host = req.headers.host;
    if (!host) {
      res.writeHead(400, { "content-type": "text/plain", connection: "close" });
      res.end("this port speaks https\n");
      return;
    }
    res.writeHead(308, { location: `https://${host}${req.url ?? "/"}`, "content-type": "text/plain", connection: "close" });
    res.end(`this port speaks https: https://${host}${req.url ?? "/"}\n`);
  });
  const listener = createNetServer({ pauseOnConnect: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    socket.setTimeout(10_000, () => socket.destroy()); // a connection that never says anything
    socket.once("readable", () => {
      const first: Buffer | null = socket.read(1);
      if (!first) return void socket.destroy();
      socket.unshift(first);
      socket.setTimeout(0);
      socket.removeAllListeners("error");
      // 0x16: a TLS handshake record. Handing the socket over makes the chosen server its owner (timeouts, errors).
      (first[0] === 0x16 ? https : plain).emit("connection", socket);
    });
  });
  return { listener, plain };
}
