// Mints a single-use join token. The token itself is returned once; only its sha256 is stored.
import { db } from "@/lib/db";
import { newSecret, hashSecret } from "./secret";

export const JOIN_TOKEN_TTL_MS = 60 * 60 * 1000;

export interface CreatedJoinToken {
  id: string;
  token: string;
  expiresAt: Date;
}

export async function createJoinToken(opts: { createdById?: string | null; ttlMs?: number } = {}): Promise<CreatedJoinToken> {
  const ttlMs = opts.ttlMs ?? JOIN_TOKEN_TTL_MS;
  const token = newSecret("gjt_");
  const expiresAt = new Date(Date.now() + ttlMs);
  const row = await db.joinToken.create({
    data: { tokenHash: hashSecret(token), expiresAt, createdById: opts.createdById ?? null },
    select: { id: true },
  });
  return { id: row.id, token, expiresAt };
}
