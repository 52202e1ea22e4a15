// A user's role bindings — their own and their teams' — as the policy module's grants (lib/auth/policy.ts), with each
// host group's hosts resolved now. Read on every request (lib/auth/actor.ts), so a changed binding, team membership
// or group membership takes effect on the next one.
import { db } from "@/lib/db";
import { ROLE_RIGHTS, isRight, type Grant, type Right, type Role } from "@/lib/auth/policy";

export async function loadGrants(userId: string): Promise<Grant[]> {
  const teams = await db.teamMember.findMany({ where: { userId }, select: { teamId: true } });
  const teamIds = teams.map((t) => t.teamId);
  const bindings = await db.roleBinding.findMany({
    where: { OR: [{ userId }, ...(teamIds.length ? [{ teamId: { in: teamIds } }] : [])] },
    select: {
      role: true,
      namespace: true,
      team: { select: { name: true } },
      customRole: { select: { name: true, rights: true } },
      hostGroup: { select: { id: true, name: true, members: { select: { hostId: true } } } },
    },
    orderBy: { createdAt: "asc" },
  });
  return bindings.map((b) => {
    const rights: readonly Right[] = b.customRole ? b.customRole.rights.filter(isRight) : ROLE_RIGHTS[(b.role ?? "none") as Role];
    const scope: Grant["scope"] = b.hostGroup
      ? { hostGroupId: b.hostGroup.id, hostIds: b.hostGroup.members.map((m) => m.hostId) }
      : b.namespace !== null
        ? { namespace: b.namespace }
        : { fleet: true };
    const on = b.hostGroup ? `host group ${b.hostGroup.name}` : b.namespace !== null ? `namespace ${b.namespace}` : "the fleet";
    const source = `${b.team ? `team ${b.team.name}: ` : ""}${b.customRole?.name ?? b.role} on ${on}`;
    return { rights, scope, source };
  });
}

/** The hosts of the given host groups (an API token narrowed to them). */
export async function hostIdsOfGroups(groupIds: readonly string[]): Promise<number[]> {
  if (!groupIds.length) return [];
  const rows = await db.hostGroupMember.findMany({ where: { hostGroupId: { in: [...groupIds] } }, select: { hostId: true }, distinct: ["hostId"] });
  return rows.map((r) => r.hostId);
}
