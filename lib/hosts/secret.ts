// Join tokens and host credentials are random secrets shown once; the database keeps only their sha256.
import { createHash, randomBytes } from "node:crypto";

/** A fresh secret: the prefix names its kind (gjt_ join token, gch_ host credential), then 32 random bytes. */
export function newSecret(prefix: "gjt_" | "gch_"): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
