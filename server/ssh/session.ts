// One logged-in SSH connection (and the jump host's under it): commands given as argument arrays, their output as
// lines while they run, files uploaded over SFTP and checked by sha256 on the target, and cancel(), which ends the
// remote commands (TERM, then KILL, to their process group — see WRAPPER) and closes everything.
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { describeSshTarget, type SshTarget } from "../../lib/hosts/ssh-target";
import { SshError } from "./errors";
import { shellQuote } from "./shell-quote";

export interface RunOptions {
  /** Each complete line of output as it arrives (without its newline). */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** Through `sudo -n` — the default for a user other than root; false runs as the user. */
  sudo?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  /** null when the command ended by a signal. */
  code: number | null;
  signal?: string;
  /** The output, up to its last 256 KiB each. */
  stdout: string;
  stderr: string;
}

export interface UploadOptions {
  onProgress?: (sent: number, total: number) => void;
  mode?: number;
  signal?: AbortSignal;
}

const OUTPUT_CAP = 256 * 1024;

// Every command runs under this small sh wrapper, so that it ends when its channel does: sshd does not kill a
// session's command when the client closes the channel or the connection, and it refuses signal requests for root
// logins ("session signalling requires privilege separation"). The wrapper starts the command in a session of its
// own (setsid, where there is one) with stdin from /dev/null, watches the channel's stdin on fd 3, and when that ends
// (cancel() sends EOF; a dropped connection closes it) sends TERM to the command's process group, KILL 3 s later.
// It exits with the command's status. The command's words arrive as "$@", never as shell text.
const WRAPPER = [
  "exec 3<&0",
  'if command -v setsid >/dev/null 2>&1; then setsid "$@" </dev/null & else "$@" </dev/null & fi',
  "c=$!",
  "(while read -r _; do :; done; kill -TERM -$c $c 2>/dev/null; sleep 3; kill -KILL -$c $c 2>/dev/null) <&3 >/dev/null 2>&1 &",
  "w=$!",
  "exec 3<&-",
  "wait $c",
  "s=$?",
  "kill $w 2>/dev/null",
  "exit $s",
].join("\n");
const SUDO_NEEDS_PASSWORD = /^sudo: (a password is required|a terminal is required)/m;

export class SshSession {
  private readonly channels = new Set<ClientChannel>();
  private closed = false;
  private lost: string | undefined;
  private readonly where: string;

  constructor(
    private readonly client: Client,
    private readonly jump: Client | undefined,
    private readonly target: SshTarget,
  ) {
    this.where = describeSshTarget(target);
    const onLost = (why: string) => {
      if (!this.closed && !this.lost) this.lost = why;
    };
    client.on("error", (err: Error) => onLost(err.message));
    client.on("close", () => onLost("the connection closed"));
    jump?.on("close", () => onLost("the jump host's connection closed"));
  }

  get username(): string {
    return this.target.username;
  }

  /** Runs `argv` on the target (quoted for sh; through `sudo -n` for a non-root user unless sudo is false). */
  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const sudo = options.sudo ?? this.target.username !== "root";
    const wrapped = ["sh", "-c", WRAPPER, "gantry-run", ...argv];
    const command = shellQuote(sudo ? ["sudo", "-n", "--", ...wrapped] : wrapped);
    const what = `\`${argv[0]}\` on ${this.where}`;
    return new Promise<RunResult>((resolve, reject) => {
      if (this.closed || this.lost) return reject(this.gone(what));
      if (options.signal?.aborted) return reject(new SshError("cancelled", `${what} was cancelled`));
      this.client.exec(command, (err, channel) => {
        if (err) return reject(this.lost ? this.gone(what) : new SshError("failed", `${what} could not start: ${err.message}`));
        this.channels.add(channel);
        const out = { stdout: "", stderr: "" };
        const partial = { stdout: "", stderr: "" };
        let exit: { code: number | null; signal?: string } | undefined;
        let failure: SshError | undefined;
        const take = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
          const text = chunk.toString("utf8");
          out[stream] = (out[stream] + text).slice(-OUTPUT_CAP);
          const lines = (partial[stream] + text).split("\n");
          partial[stream] = lines.pop()!;
          for (const line of lines) options.onLine?.(stream, line.replace(/\r$/, ""));
        };
        channel.on("data", take("stdout"));
        channel.stderr.on("data", take("stderr"));
        channel.on("exit", (code: number | null, signal?: string) => {
          exit = { code, signal: signal ?? undefined };
        });
        const timer = options.timeoutMs
          ? setTimeout(() => {
              failure = new SshError("timeout", `${what} did not finish within ${Math.round(options.timeoutMs! / 100) / 10} s and was stopped`);
              this.stopChannel(channel);
            }, options.timeoutMs)
          : undefined;
        const onAbort = () => {
          failure = new SshError("cancelled", `${what} was cancelled`);
          this.stopChannel(channel);
        };
        options.signal?.addEventListener("abort", onAbort, { once: true });
        channel.on("close", () => {
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", onAbort);
          this.channels.delete(channel);
          for (const stream of ["stdout", "stderr"] as const) {
            if (partial[stream]) options.onLine?.(stream, partial[stream]);
          }
          if (failure) return reject(failure);
          if (!exit) return reject(this.lost || this.closed ? this.gone(what) : new SshError("dropped", `${what} ended without an exit status`));
          if (sudo && exit.code === 1 && SUDO_NEEDS_PASSWORD.test(out.stderr)) {
            return reject(
              new SshError(
                "sudo-password-required",
                `${this.target.username} on ${this.target.host} needs a password for sudo, and Gantry runs sudo without one (sudo -n): give the account passwordless sudo (a sudoers line with NOPASSWD) or log in as root`,
              ),
            );
          }
          resolve({ code: exit.code, signal: exit.signal, stdout: out.stdout, stderr: out.stderr });
        });
      });
    });
  }

  /** `sha256sum` of a file on the target, compared with `sha256`; SshError checksum-mismatch when they differ. */
  async verifyFile(remotePath: string, sha256: string, options: { sudo?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const r = await this.run(["sha256sum", "--", remotePath], { sudo: options.sudo ?? false, signal: options.signal });
    if (r.code !== 0) throw new SshError("failed", `sha256sum ${remotePath} on ${this.target.host} failed (exit ${r.code}): ${r.stderr.trim()}`);
    const found = r.stdout.trim().split(/\s+/)[0] ?? "";
    if (found !== sha256) {
      throw new SshError("checksum-mismatch", `${remotePath} on ${this.target.host} has sha256 ${found}, not ${sha256} as sent: the copy is damaged`);
    }
  }

  /**
   * Copies a local file to `remotePath` over SFTP (as the login user), reporting progress, then checks its sha256 on
   * the target. Resolves with the sha256.
   */
  async upload(localPath: string, remotePath: string, options: UploadOptions = {}): Promise<{ sha256: string; bytes: number }> {
    const total = statSync(localPath).size;
    const what = `the upload of ${remotePath} to ${this.target.host}`;
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      if (this.closed || this.lost) return reject(this.gone(what));
      this.client.sftp((err, s) => (err ? reject(new SshError("failed", `SFTP is not available on ${this.target.host}: ${err.message}`)) : resolve(s)));
    });
    const hash = createHash("sha256");
    let sent = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const source = createReadStream(localPath);
        const sink = sftp.createWriteStream(remotePath, { mode: options.mode ?? 0o600 });
        let settled = false;
        const fail = (e: SshError) => {
          if (settled) return;
          settled = true;
          source.destroy();
          sink.destroy();
          reject(e);
        };
        const lostMidway = () =>
          new SshError("dropped", `the connection to ${this.target.host} was lost during ${what} after ${sent} of ${total} bytes${this.lost ? ` (${this.lost})` : ""}`);
        source.on("data", (chunk: Buffer | string) => {
          const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
          hash.update(b);
          sent += b.length;
          options.onProgress?.(sent, total);
        });
        source.on("error", (e) => fail(new SshError("failed", `${localPath} could not be read: ${e.message}`)));
        sink.on("error", (e: Error) => fail(this.lost || this.closed ? lostMidway() : new SshError("failed", `${what} failed: ${e.message}`)));
        sink.on("close", () => {
          if (settled) return;
          if (this.lost || sent < total) return fail(lostMidway());
          settled = true;
          resolve();
        });
        this.client.once("close", () => fail(lostMidway()));
        const onAbort = () => fail(new SshError("cancelled", `${what} was cancelled after ${sent} of ${total} bytes`));
        options.signal?.addEventListener("abort", onAbort, { once: true });
        if (options.signal?.aborted) onAbort();
        source.pipe(sink);
      });
    } finally {
      sftp.end();
    }
    const sha256 = hash.digest("hex");
    await this.verifyFile(remotePath, sha256, { signal: options.signal });
    return { sha256, bytes: total };
  }

  /** Stops every running command (TERM to its process group, KILL 3 s later) and closes the connections. */
  cancel(): void {
    for (const channel of this.channels) channel.end();
    // The EOFs go out before the connection closes; closing alone would do too (the wrapper sees its stdin end).
    setTimeout(() => this.close(), 100).unref();
  }

  close(): void {
    this.closed = true;
    for (const channel of this.channels) channel.destroy();
    this.client.end();
    this.jump?.end();
  }

  /** EOF on the command's stdin: the wrapper stops it (TERM, then KILL); the channel is closed after that. */
  private stopChannel(channel: ClientChannel) {
    channel.end();
    setTimeout(() => channel.close(), 5000).unref();
  }

  private gone(what: string): SshError {
    return this.closed && !this.lost
      ? new SshError("cancelled", `${what}: the connection was closed`)
      : new SshError("dropped", `the connection to ${this.target.host} was lost during ${what}${this.lost ? ` (${this.lost})` : ""}`);
  }
}
