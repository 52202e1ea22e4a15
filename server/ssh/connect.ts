// Opens an SSH connection to a target, through its jump host when it has one. Each phase has its own deadline and its
// own words: the TCP connection ("cannot reach"), the handshake and host key ("host key unknown/changed"), the login
// ("refused the key"). The host key is checked against the pinned fingerprint; with none pinned the connection is
// refused and the key's fingerprint returned (SshError reason host-key-unknown) for a person to confirm.
import { connect as tcpConnect } from "node:net";
import type { Duplex } from "node:stream";
import ssh2, { type AuthMethod, type ConnectConfig, type ParsedKey } from "ssh2";

const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;
import { describeSshTarget, normalizeHostKeyFingerprint, type SshEndpoint, type SshTarget } from "../../lib/hosts/ssh-target";
import { SshError } from "./errors";
import { sshFingerprint } from "./fingerprint";
import { SshSession } from "./session";

export interface ConnectOptions {
  /** TCP connect deadline (default 10 s). */
  connectTimeoutMs?: number;
  /** SSH handshake + login deadline after TCP connected (default 20 s). */
  handshakeTimeoutMs?: number;
  /** A dead peer is noticed after about interval × 3 (default 5 s). */
  keepaliveIntervalMs?: number;
  signal?: AbortSignal;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export async function connectSsh(target: SshTarget, options: ConnectOptions = {}): Promise<SshSession> {
  // Keys are read (and decrypted: bcrypt, slow on purpose) once, before anything goes on the wire.
  const key = checkEndpoint(target, "host");
  const jumpKey = target.jump ? checkEndpoint(target.jump, "jump host") : undefined;
  options.signal?.throwIfAborted?.();
  let jump: Client | undefined;
  try {
    let sock: Duplex;
    if (target.jump) {
      jump = await login(target.jump, jumpKey, "jump host", await tcp(target.jump, "jump host", options), options);
      sock = await forward(jump, target, options);
    } else {
      sock = await tcp(target, "host", options);
    }
    const client = await login(target, key, "host", sock, options);
    return new SshSession(client, jump, target);
  } catch (e) {
    jump?.end();
    throw e;
  }
}

/** The target's host key fingerprint, without logging in (the connection is refused at the key). */
export async function scanHostKey(target: SshTarget, options: ConnectOptions = {}): Promise<string> {
  try {
    const session = await connectSsh({ ...target, hostKey: undefined }, options);
    session.close();
  } catch (e) {
    if (e instanceof SshError && e.reason === "host-key-unknown" && e.hostKey?.host === target.host) return e.hostKey.fingerprint;
    throw e;
  }
  throw new SshError("failed", `${describeSshTarget(target)} was not asked for its host key`);
}

function checkEndpoint(e: SshEndpoint, role: string): ParsedKey | undefined {
  if (!e.privateKey && !e.password) throw new SshError("bad-key", `no private key or password given for the ${role} ${describeSshTarget(e)}`);
  if (e.hostKey !== undefined && !normalizeHostKeyFingerprint(e.hostKey)) {
    throw new SshError("failed", `the pinned host key of the ${role} ${describeSshTarget(e)} is not a SHA256:… fingerprint`);
  }
  if (e.privateKey) {
    const parsed = utils.parseKey(e.privateKey, e.passphrase);
    if (parsed instanceof Error) {
      const encrypted = /encrypted|passphrase/i.test(parsed.message);
      throw new SshError(
        "bad-key",
        encrypted
          ? `the private key for ${describeSshTarget(e)} is encrypted and the passphrase ${e.passphrase ? "given does not open it" : "is missing"}`
          : `the private key for ${describeSshTarget(e)} is not a private key ssh can read`,
      );
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key?.isPrivateKey()) throw new SshError("bad-key", `the key given for ${describeSshTarget(e)} is a public key, not a private key`);
    return key;
  }
  return undefined;
}

function abortable<T>(signal: AbortSignal | undefined, what: string, work: (settle: { resolve(v: T): void; reject(e: unknown): void; onCancel(fn: () => void): void }) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancels: (() => void)[] = [];
    let done = false;
    const finish = () => {
      done = true;
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      if (done) return;
      finish();
      for (const c of cancels) c();
      reject(new SshError("cancelled", `cancelled while ${what}`));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    work({
      resolve: (v) => {
        if (done) return;
        finish();
        resolve(v);
      },
      reject: (e) => {
        if (done) return;
        finish();
        reject(e);
      },
      onCancel: (fn) => cancels.push(fn),
    });
    if (signal?.aborted) onAbort();
  });
}

function tcp(e: SshEndpoint, role: string, options: ConnectOptions): Promise<Duplex> {
  const timeout = options.connectTimeoutMs ?? 10_000;
  const where = `${e.host}:${e.port}`;
  return abortable(options.signal, `connecting to ${where}`, ({ resolve, reject, onCancel }) => {
    const sock = tcpConnect({ host: e.host, port: e.port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new SshError("unreachable", `cannot reach the ${role} ${where}: no answer within ${seconds(timeout)}`));
    }, timeout);
    onCancel(() => {
      clearTimeout(timer);
      sock.destroy();
    });
    sock.once("connect", () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        err.code === "ECONNREFUSED" ? "connection refused (is sshd running on that port?)"
        : err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH" ? "no route to it"
        : err.code === "ENOTFOUND" || err.code === "EAI_AGAIN" ? "the name does not resolve"
        : (err.code ?? err.message);
      reject(new SshError("unreachable", `cannot reach the ${role} ${where}: ${why}`));
    });
  });
}

function forward(jump: Client, target: SshTarget, options: ConnectOptions): Promise<Duplex> {
  const timeout = options.connectTimeoutMs ?? 10_000;
  const where = `${target.host}:${target.port}`;
  const via = describeSshTarget(target.jump!);
  return abortable(options.signal, `connecting to ${where} through ${via}`, ({ resolve, reject, onCancel }) => {
    const timer = setTimeout(() => reject(new SshError("unreachable", `the jump host ${via} did not reach ${where} within ${seconds(timeout)}`)), timeout);
    onCancel(() => clearTimeout(timer));
    jump.forwardOut("127.0.0.1", 0, target.host, target.port, (err, stream) => {
      clearTimeout(timer);
      if (err) reject(new SshError("unreachable", `the jump host ${via} cannot reach ${where}: ${err.message}`));
      else resolve(stream);
    });
  });
}

function login(e: SshEndpoint, key: ParsedKey | undefined, role: string, sock: Duplex, options: ConnectOptions): Promise<Client> {
  const timeout = options.handshakeTimeoutMs ?? 20_000;
  const who = describeSshTarget(e);
  const pinned = e.hostKey ? normalizeHostKeyFingerprint(e.hostKey)! : undefined;
  return abortable(options.signal, `logging in to ${who}`, ({ resolve, reject, onCancel }) => {
    const client = new Client();
    let keyFailure: SshError | undefined;
    let ready = false;
    onCancel(() => client.end());
    const config: ConnectConfig = {
      sock,
      username: e.username,
      readyTimeout: timeout,
      keepaliveInterval: options.keepaliveIntervalMs ?? 5000,
      keepaliveCountMax: 3,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        const fingerprint = sshFingerprint(key);
        if (!pinned) {
          keyFailure = new SshError(
            "host-key-unknown",
            `the ${role} ${e.host}:${e.port} presents the host key ${fingerprint}, which is not confirmed yet: compare it with \`ssh-keygen -lf\` of the server's key and confirm it to go on`,
            { host: e.host, fingerprint },
          );
          return false;
        }
        if (fingerprint !== pinned) {
          keyFailure = new SshError(
            "host-key-changed",
            `the host key of the ${role} ${e.host}:${e.port} has changed: it presents ${fingerprint}, but ${pinned} is pinned — someone may be intercepting the connection, or the machine was reinstalled; nothing was sent`,
            { host: e.host, fingerprint, pinned },
          );
          return false;
        }
        return true;
      },
    };
    // The key first, then the password — each only when given.
    const methods: AuthMethod[] = [];
    if (key) methods.push({ type: "publickey", username: e.username, key } as AuthMethod);
    if (e.password) methods.push({ type: "password", username: e.username, password: e.password } as AuthMethod);
    config.authHandler = methods;
    client.once("ready", () => {
      ready = true;
      resolve(client);
    });
    client.on("error", (err: Error & { level?: string }) => {
      if (ready) return; // the session reports errors after login
      client.end();
      if (keyFailure) return reject(keyFailure);
      const methods = [e.privateKey && "key", e.password && "password"].filter(Boolean).join(" and ");
      if (err.level === "client-authentication") {
        return reject(new SshError("auth-failed", `the ${role} ${who} refused the ${methods} given (authentication failed)`));
      }
      if (err.level === "client-timeout") {
        return reject(new SshError("timeout", `the ${role} ${e.host}:${e.port} did not complete the SSH handshake and login within ${seconds(timeout)}`));
      }
      reject(new SshError("dropped", `the connection to the ${role} ${e.host}:${e.port} ended during the handshake: ${err.message}`));
    });
    client.once("close", () => {
      if (ready) return;
      reject(keyFailure ?? new SshError("dropped", `the ${role} ${e.host}:${e.port} closed the connection during the handshake`));
    });
    client.connect(config);
  });
}
