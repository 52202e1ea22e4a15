// Rotates a host's credential without taking it offline: a new secret is made, its hash kept as pending, and the
// secret sent to the connected agent (credential.rotate), which stores it before acknowledging. The acknowledgement
// makes the new credential the only one; the old one stops working at once. If the acknowledgement does not come
// (the agent died, the link dropped), both stay accepted until the agent next connects with the new one (which then
// becomes the only one, lib/hosts/authenticate-agent.ts) — never a state where the host's only stored credential is
// one the control plane refuses. The secret itself is never stored or shown to anyone.
import { db } from "@/lib/db";
import { conflict, notFound } from "@/lib/errors";
import { Ack, AGENT_NAMESPACE, agentRoom } from "@/lib/protocol";
import { serverContext } from "@/lib/server-context";
import { noteActivity } from "@/lib/activity/activity-note";
import { hashSecret, newSecret } from "./secret";

const ACK_TIMEOUT_MS = 15_000;

export interface RotatedCredential {
  hostId: number;
  /** True once the agent confirmed it stored the new credential (the old one no longer works). */
  confirmed: boolean;
  rotatedAt: string | null;
  message: string;
}

export async function rotateHostCredential(hostId: number, now = new Date()): Promise<RotatedCredential> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { name: true, revokedAt: true, connectedAt: true } });
  if (!host) throw notFound(`host ${hostId}`);
  noteActivity({ verb: "rotate", object: `host ${host.name}`, extra: "credential" });
  if (host.revokedAt) throw conflict(`host ${hostId} is revoked: it has no credential to rotate`);
  const nsp = serverContext.maybe()?.io?.of(AGENT_NAMESPACE);
  const sockets = nsp ? [...(nsp.adapter.rooms.get(agentRoom(hostId)) ?? [])].map((id) => nsp.sockets.get(id)).filter((s) => s?.connected) : [];
  if (!sockets.length) throw conflict(`host ${hostId} is not connected: its agent must receive the new credential, so rotate it once the host is back`);

  const credential = newSecret("gch_");
  const pending = hashSecret(credential);
  await db.host.update({ where: { id: hostId }, data: { pendingCredentialHash: pending } });
  let problem = "no answer";
  let refusal: string | null = null;
  for (const socket of sockets) {
    try {
      const ack = Ack.parse(await socket!.timeout(ACK_TIMEOUT_MS).emitWithAck("credential.rotate", { credential }));
      if (!ack.ok) {
        refusal = ack.error; // the agent kept its old credential (it says so before switching)
        continue;
      }
      // Only the rotation still pending: one that an agent's reconnect already confirmed is kept as it is.
      const swapped = await db.host.updateManyAndReturn({
        where: { id: hostId, pendingCredentialHash: pending },
        data: { credentialHash: pending, pendingCredentialHash: null, credentialRotatedAt: now },
        select: { credentialRotatedAt: true },
      });
      const at = swapped[0]?.credentialRotatedAt ?? (await db.host.findUnique({ where: { id: hostId }, select: { credentialRotatedAt: true } }))?.credentialRotatedAt;
      return { hostId, confirmed: true, rotatedAt: at?.toISOString() ?? null, message: "the agent stored its new credential; the old one no longer works" };
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  if (refusal !== null && problem === "no answer") {
    // Refused outright (a disk it cannot write): the agent kept its old credential, so the new one is dropped.
    await db.host.updateMany({ where: { id: hostId, pendingCredentialHash: pending }, data: { pendingCredentialHash: null } });
    throw conflict(`host ${hostId}'s agent refused the new credential: ${refusal}`);
  }
  return {
    hostId,
    confirmed: false,
    rotatedAt: null,
    message: `the agent did not confirm (${problem}): the old and the new credential both work until it connects with the new one; rotate again to be sure`,
  };
}
