// Who is this agent: its credential's hash names one host. A revoked host is refused with its own reason.
import { db } from "@/lib/db";
import { GantryError, forbidden, unauthorized } from "@/lib/errors";
import { hashSecret } from "./secret";

export async function authenticateAgent(credential: string): Promise<{ id: number; name: string }> {
  const host = await db.host.findUnique({
    where: { credentialHash: hashSecret(credential) },
    select: { id: true, name: true, revokedAt: true },
  });
  if (!host) throw unauthorized("host credential is not valid: join again with a fresh token");
  if (host.revokedAt) throw revokedError(host.id, host.revokedAt);
  return { id: host.id, name: host.name };
}

export function revokedError(id: number, at: Date): GantryError {
  const e = forbidden(`host ${id} was revoked at ${at.toISOString()}: join again with a fresh token`);
  return Object.assign(e, { revoked: true });
}
