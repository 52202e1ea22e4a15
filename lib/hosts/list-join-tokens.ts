// The join tokens for those who add hosts: the outstanding ones (not used, expired or revoked) soonest to expire
// first, or with status=all the newest 200 of every state.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { JOIN_TOKEN_SELECT, toJoinTokenView } from "./join-token-view";
import type { JoinTokenView, ListJoinTokensQuery } from "./join-token-schemas";

export async function listJoinTokens(actor: Actor, q: ListJoinTokensQuery): Promise<JoinTokenView[]> {
  authorize(actor, "hosts.join");
  const now = new Date();
  const rows =
    q.status === "outstanding"
      ? await db.joinToken.findMany({
          where: { usedAt: null, revokedAt: null, expiresAt: { gt: now } },
          select: JOIN_TOKEN_SELECT,
          orderBy: { expiresAt: "asc" },
          take: 500,
        })
      : await db.joinToken.findMany({ select: JOIN_TOKEN_SELECT, orderBy: { createdAt: "desc" }, take: 200 });
  return rows.map((r) => toJoinTokenView(r, now));
}
