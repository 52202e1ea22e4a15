// A host key's fingerprint as OpenSSH prints it (`ssh-keygen -lf`, the "are you sure" prompt): SHA256 of the key blob
// in base64 without its padding.
import { createHash } from "node:crypto";

export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}
