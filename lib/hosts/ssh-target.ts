// A machine reached over SSH to install or look after an agent: where it is, who logs in and how, and the host key
// pinned for it. The transport that speaks SSH lives in server/ssh (ssh2 stays out of lib/); these are the words both
// sides use. A credential (key, passphrase, password) is handed to the transport for one job and never put in an
// error, a log line or an activity record.

export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  /** An OpenSSH/PEM private key. */
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /** The host key as `SHA256:<base64 without padding>` (what `ssh-keygen -lf` prints); absent = not yet confirmed. */
  hostKey?: string;
}

export interface SshTarget extends SshEndpoint {
  /** A bastion the target is reached through (its own key and credentials). */
  jump?: SshEndpoint;
}

/**
 * Why an SSH step ended:
 * - unreachable: no TCP connection (refused, no route, no answer within the connect timeout)
 * - timeout: connected, but the SSH handshake or a command did not finish in time
 * - host-key-unknown: no key pinned yet; the fingerprint is returned for a person to confirm
 * - host-key-changed: the server's key differs from the pinned one (both named)
 * - bad-key: the private key cannot be read (not a key, or wrong/missing passphrase)
 * - auth-failed: the server refused the key or password
 * - sudo-password-required: a non-root user whose sudo asks for a password (Gantry runs `sudo -n`)
 * - dropped: the connection closed under a running command or upload
 * - checksum-mismatch: an uploaded file's sha256 on the target is not the one sent
 * - cancelled: someone cancelled
 * - failed: anything else the server said (its words are in the message)
 */
export type SshFailureReason =
  | "unreachable"
  | "timeout"
  | "host-key-unknown"
  | "host-key-changed"
  | "bad-key"
  | "auth-failed"
  | "sudo-password-required"
  | "dropped"
  | "checksum-mismatch"
  | "cancelled"
  | "failed";

/** `SHA256:<43 base64 characters>` — trailing `=` padding is tolerated on input and dropped. */
export function normalizeHostKeyFingerprint(value: string): string | null {
  const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(value.trim());
  return m ? `SHA256:${m[1]}` : null;
}

/** "user@host:port" (and " via user@bastion:port") — how a target is named in messages; never a credential. */
export function describeSshTarget(t: SshEndpoint & { jump?: SshEndpoint }): string {
  const one = (e: SshEndpoint) => `${e.username}@${e.host}${e.port === 22 ? "" : `:${e.port}`}`;
  return t.jump ? `${one(t)} via ${one(t.jump)}` : one(t);
}
