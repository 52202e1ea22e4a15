// An API token is `gat_` + 32 random bytes (base64url). Only its sha256 is stored; the prefix tells tokens apart.
import { createHash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "gat_";
const TOKEN_SHAPE = /^gat_[A-Za-z0-9_-]{43}$/;

export function newApiTokenSecret(): { token: string; hash: string; prefix: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { token, hash: hashApiToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) };
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function looksLikeApiToken(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}
