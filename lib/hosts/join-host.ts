// An agent trades a join token for a per-host credential, and the host is named as the token says (else by its
// hostname). The token is single-use and expiring; a forged, expired, revoked or already used token is refused with
// the reason (401 / 410 / 410 / 409). Only the credential's sha256 is stored.
import { db } from "@/lib/db";
import { GantryError, conflict, unauthorized } from "@/lib/errors";
import { PROTOCOL_VERSION, type HostFacts, type JoinResponse } from "@/lib/protocol";
import { hashSecret, newSecret } from "./secret";
import { HOST_VIEW_SELECT, toHostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

export async function joinHost(input: { token: string; facts: HostFacts }): Promise<JoinResponse> {
  const tokenHash = hashSecret(input.token);
  const credential = newSecret("gch_");
  const now = new Date();

  const host = await db.$transaction(async (tx) => {
    // Claiming the token is one conditional update, so two agents racing with one token cannot both win.
    const claimed = await tx.joinToken.updateManyAndReturn({
      where: { tokenHash, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
      select: { hostName: true },
    });
    if (claimed.length === 0) {
      const token = await tx.joinToken.findUnique({ where: { tokenHash }, select: { usedAt: true, expiresAt: true, revokedAt: true, hostId: true } });
      if (!token) throw unauthorized("join token is not valid: it was not issued by this control plane");
      if (token.usedAt) {
        throw conflict(`join token was already used${token.hostId ? ` (by host ${token.hostId})` : ""}: ask for a new one with "Add host"`);
      }
      if (token.revokedAt) throw new GantryError("gone", `join token was revoked at ${token.revokedAt.toISOString()}: ask for a new one with "Add host"`);
      throw new GantryError("gone", `join token expired at ${token.expiresAt.toISOString()}: ask for a new one with "Add host"`);
    }
    const created = await tx.host.create({
      data: {
        // The name asked for at "Add host", else the machine's hostname.
        name: claimed[0]!.hostName ?? input.facts.hostname,
        credentialHash: hashSecret(credential),
        facts: input.facts,
        agentVersion: input.facts.agentVersion,
        engineVersion: input.facts.engineVersion,
        status: "offline",
        statusChangedAt: now,
      },
      select: HOST_VIEW_SELECT,
    });
    await tx.joinToken.update({ where: { tokenHash }, data: { hostId: created.id }, select: { id: true } });
    return created;
  });

  publishHostEvent("joined", toHostView(host));
  return { hostId: host.id, name: host.name, credential, protocolVersion: PROTOCOL_VERSION };
}
