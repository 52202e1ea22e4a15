// The OpenID Connect client secret at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the session signing key
// (NEXTAUTH_SECRET, generated under GANTRY_DATA/keys unless given), which every replica sharing the database already
// shares. Sealed as `v1:` + base64(nonce ‖ tag ‖ ciphertext), bound to the row it belongs to. A new NEXTAUTH_SECRET
// makes the stored secret unreadable: the settings page says so and asks for it again.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const WHERE = "gantry/oidc-config/default";

function key(): Buffer {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set (the control plane sets it at start)");
  return Buffer.from(hkdfSync("sha256", secret, "gantry-oidc", "oidc client secret v1", 32));
}

export function sealClientSecret(plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), nonce);
  cipher.setAAD(Buffer.from(WHERE));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`;
}

/** The secret, or null when it cannot be opened (sealed under another NEXTAUTH_SECRET, or altered). */
export function unsealClientSecret(sealed: string): string | null {
  if (!sealed.startsWith("v1:")) return null;
  try {
    const raw = Buffer.from(sealed.slice(3), "base64");
    const decipher = createDecipheriv("aes-256-gcm", key(), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(WHERE));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
