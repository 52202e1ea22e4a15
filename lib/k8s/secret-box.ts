// Sealing Secret data at rest: AES-256-GCM with a 256-bit key the control plane keeps under GANTRY_DATA/keys (made on
// first start by server/k8s-gateway.ts and set here). Each sealed value is `v1:` + base64(nonce ‖ tag ‖ ciphertext),
// authenticated together with where it belongs (resource/namespace/name), so a sealed value moved to another row
// does not open.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const KEY = Symbol.for("gantry.k8s.secrets-key");
const store = globalThis as unknown as { [KEY]?: Buffer };

export function setSecretsKey(key: Buffer): void {
  if (key.length !== 32) throw new Error("the Kubernetes secrets key must be 32 bytes (AES-256)");
  store[KEY] = key;
}

function key(): Buffer {
  const k = store[KEY];
  if (!k) throw new Error("the Kubernetes secrets key is not set (the control plane sets it at start)");
  return k;
}

export function seal(plaintext: string, where: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), nonce);
  cipher.setAAD(Buffer.from(where));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`;
}

export function unseal(sealed: string, where: string): string {
  if (!sealed.startsWith("v1:")) throw new Error("unknown sealed-value format");
  const raw = Buffer.from(sealed.slice(3), "base64");
  const decipher = createDecipheriv("aes-256-gcm", key(), raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(where));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
