// Revokes a join token before it is used: an agent that presents it afterwards is refused (410, "revoked"). A token
// already used has done its work — the host it made is revoked on the host's page instead; revoking twice is harmless.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { conflict, notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { JOIN_TOKEN_SELECT, toJoinTokenView } from "./join-token-view";
import type { JoinTokenView } from "./join-token-schemas";

export async function revokeJoinToken(actor: Actor, id: string, now = new Date()): Promise<JoinTokenView> {
  authorize(actor, "hosts.join");
  const token = await db.joinToken.findUnique({ where: { id }, select: JOIN_TOKEN_SELECT });
  if (!token) throw notFound(`join token ${id}`);
  noteActivity({ verb: "revoke", object: token.hostName ? `the join token for host ${token.hostName}` : "a join token", extra: `(created ${token.createdAt.toISOString()})` });
  if (token.usedAt) throw conflict(`this join token was already used${token.hostId ? ` by host ${token.hostId}` : ""}: revoke the host on its page instead`);
  if (token.revokedAt) return toJoinTokenView(token, now);
  // Conditional, so a token claimed by a join in the meantime is not reported revoked.
  const { count } = await db.joinToken.updateMany({ where: { id, usedAt: null, revokedAt: null }, data: { revokedAt: now } });
  const row = await db.joinToken.findUniqueOrThrow({ where: { id }, select: JOIN_TOKEN_SELECT });
  if (count === 0 && row.usedAt) throw conflict(`this join token was used${row.hostId ? ` by host ${row.hostId}` : ""} just now: revoke the host on its page instead`);
  return toJoinTokenView(row, now);
}
