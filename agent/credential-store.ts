// The agent's identity on disk, under GANTRY_ROOT/agent: `credential` (mode 0600, the secret the control plane keeps
// only a hash of), `server.json` (which control plane, which host, the pinned certificate's fingerprint) and
// `server.pem` (the pinned certificate itself, when the control plane's is self-signed). Written to a temp file, then
// renamed.
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CredentialString } from "../lib/protocol";
import type { CertificatePin } from "./tls-pin";

export interface StoredIdentity {
  credential: string;
  serverUrl: string | null;
  hostId: number | null;
  /** The control plane's certificate this agent trusts alone (null: the system's CAs decide, or plain http). */
  pin: CertificatePin | null;
}

export class CredentialStore {
  readonly dir: string;
  constructor(root: string) {
    this.dir = join(root, "agent");
  }

  get credentialPath() {
    return join(this.dir, "credential");
  }

  read(): StoredIdentity | null {
    const file = this.credentialPath;
    if (!existsSync(file)) return null;
    // A credential others can read is tightened before it is used.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const credential = readFileSync(file, "utf8").trim();
    const parsed = CredentialString.safeParse(credential);
    if (!parsed.success) throw new Error(`${file} does not hold a Gantry host credential; remove it and join again`);
    let meta: { serverUrl?: string; hostId?: number; fingerprint?: string } = {};
    try {
      meta = JSON.parse(readFileSync(join(this.dir, "server.json"), "utf8"));
    } catch {
      /* optional */
    }
    return { credential, serverUrl: meta.serverUrl ?? null, hostId: meta.hostId ?? null, pin: meta.fingerprint ? this.readPin(meta.fingerprint) : null };
  }

  get certificatePath() {
    return join(this.dir, "server.pem");
  }

  /** The pinned certificate, checked against the fingerprint kept beside it: a pin that does not hold is an error. */
  private readPin(fingerprint: string): CertificatePin {
    const file = this.certificatePath;
    let certificate: string;
    try {
      certificate = readFileSync(file, "utf8");
      if (new X509Certificate(certificate).fingerprint256 === fingerprint) return { fingerprint, certificate };
    } catch {
      /* reported below */
    }
    throw new Error(`${file} is missing or is not the certificate pinned in server.json (SHA-256 ${fingerprint}); join again with the control plane's fingerprint`);
  }

  save(identity: { credential: string; serverUrl: string; hostId: number | null; pin: CertificatePin | null }) {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    // The certificate before the record that names it; a record without a pin drops an old certificate.
    if (identity.pin) atomicWrite(this.certificatePath, identity.pin.certificate);
    else rmSync(this.certificatePath, { force: true });
    const meta = { serverUrl: identity.serverUrl, hostId: identity.hostId, ...(identity.pin ? { fingerprint: identity.pin.fingerprint } : {}) };
    atomicWrite(join(this.dir, "server.json"), JSON.stringify(meta) + "\n");
    atomicWrite(this.credentialPath, identity.credential + "\n");
  }
}

function atomicWrite(file: string, content: string) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: "w" });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
