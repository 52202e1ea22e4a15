// Mints a single-use join token. The token itself is returned once; only its sha256 is stored.
import { db } from "@/lib/db";
import { newSecret, hashSecret } from "./secret";

export const JOIN_TOKEN_TTL_MS = 60 * 60 * 1000;

export interface CreatedJoinToken {
  id: string;
  token: string;
  expiresAt: Date;
}

/** `hostName`: the name the host gets when it joins with this token (else the hostname its agent reports). */
export async function createJoinToken(opts: { createdById?: string | null; ttlMs?: number; hostName?: string | null } = {}): Promise<CreatedJoinToken> {
  const ttlMs = opts.ttlMs ?? JOIN_TOKEN_TTL_MS;
  const token = newSecret("gjt_");
  const expiresAt = new Date(Date.now() + ttlMs);
  const row = await db.joinToken.create({
    data: { tokenHash: hashSecret(token), expiresAt, createdById: opts.createdById ?? null, hostName: opts.hostName ?? null },
    select: { id: true },
  });
  return { id: row.id, token, expiresAt };
}
