// The agent's identity on disk, under GANTRY_ROOT/agent: `credential` (mode 0600, the secret the control plane keeps
// only a hash of) and `server.json` (which control plane, which host). Written to a temp file, then renamed.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CredentialString } from "../lib/protocol";

export interface StoredIdentity {
  credential: string;
  serverUrl: string | null;
  hostId: number | null;
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
    let meta: { serverUrl?: string; hostId?: number } = {};
    try {
      meta = JSON.parse(readFileSync(join(this.dir, "server.json"), "utf8"));
    } catch {
      /* optional */
    }
    return { credential, serverUrl: meta.serverUrl ?? null, hostId: meta.hostId ?? null };
  }

  save(identity: { credential: string; serverUrl: string; hostId: number }) {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    atomicWrite(join(this.dir, "server.json"), JSON.stringify({ serverUrl: identity.serverUrl, hostId: identity.hostId }) + "\n");
    atomicWrite(this.credentialPath, identity.credential + "\n");
  }
}

function atomicWrite(file: string, content: string) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: "w" });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
