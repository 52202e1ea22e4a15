// Team membership from the identity provider's groups, synced at each sign-in through OIDC: the user joins every team
// one of their groups maps to (OidcGroupMapping) and leaves every mapped team none of their groups maps to any more.
// Teams no group maps to are never touched (memberships given by hand stay), and a kept membership keeps its team-admin
// flag. A membership removed here ends what it gave at once on open sockets (the actor-changed signal).
import { db } from "@/lib/db";
import { actorChanged } from "@/lib/users/actor-changes";

export interface GroupSync {
  joined: string[];
  left: string[];
}

export async function syncGroupTeams(userId: string, groups: string[]): Promise<GroupSync> {
  const mappings = await db.oidcGroupMapping.findMany({ select: { group: true, teamId: true } });
  if (mappings.length === 0) return { joined: [], left: [] };
  const mine = new Set(groups);
  const mapped = new Set(mappings.map((m) => m.teamId));
  const wanted = new Set(mappings.filter((m) => mine.has(m.group)).map((m) => m.teamId));
  const result = await db.$transaction(async (tx) => {
    const current = await tx.teamMember.findMany({ where: { userId, teamId: { in: [...mapped] } }, select: { teamId: true } });
    const have = new Set(current.map((c) => c.teamId));
    const joined = [...wanted].filter((t) => !have.has(t));
    const left = [...have].filter((t) => !wanted.has(t));
    if (joined.length) await tx.teamMember.createMany({ data: joined.map((teamId) => ({ teamId, userId })), skipDuplicates: true });
    if (left.length) await tx.teamMember.deleteMany({ where: { userId, teamId: { in: left } } });
    return { joined, left };
  });
  if (result.joined.length || result.left.length) actorChanged({ userId });
  return result;
}
