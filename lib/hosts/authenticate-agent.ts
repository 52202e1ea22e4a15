// Who is this agent: its credential's hash names one host. A revoked host is refused with its own reason. A credential
// still pending from a rotation (lib/hosts/rotate-credential.ts) is the agent's proof that it stored the new one: it
// becomes the host's only credential and the old one stops working.
import { db } from "@/lib/db";
import { GantryError, forbidden, unauthorized } from "@/lib/errors";
import { hashSecret } from "./secret";

export async function authenticateAgent(credential: string): Promise<{ id: number; name: string }> {
  const hash = hashSecret(credential);
  const select = { id: true, name: true, revokedAt: true } as const;
  let host = await db.host.findUnique({ where: { credentialHash: hash }, select });
  if (!host) {
    const promoted = await db.host.updateManyAndReturn({
      where: { pendingCredentialHash: hash },
      data: { credentialHash: hash, pendingCredentialHash: null, credentialRotatedAt: new Date() },
      select,
    });
    host = promoted[0] ?? null;
  }
  if (!host) throw unauthorized("host credential is not valid: join again with a fresh token");
  if (host.revokedAt) throw revokedError(host.id, host.revokedAt);
  return { id: host.id, name: host.name };
}

export function revokedError(id: number, at: Date): GantryError {
  const e = forbidden(`host ${id} was revoked at ${at.toISOString()}: join again with a fresh token`);
  return Object.assign(e, { revoked: true });
}
