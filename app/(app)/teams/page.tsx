// /teams — teams with their members and role bindings, host groups, custom roles. Those who manage users change all
// of it; a team admin sees their teams and changes their members; any member sees the teams they are in.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can, canManageTeamMembers, RIGHTS } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { listTeams } from "@/lib/teams/list-teams";
import { listHostGroups } from "@/lib/host-groups/list-host-groups";
import { listRoleBindings } from "@/lib/role-bindings/list-role-bindings";
import { listRoles } from "@/lib/role-bindings/list-roles";
import { listHostRefs } from "@/lib/hosts/list-host-refs";
import { TeamsView } from "./teams-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Teams" };

export default async function TeamsPage() {
  const { actor, allowed } = await pageAccess("teams.read");
  if (!allowed) return <NotAllowed title="Teams" role={actor.role} action="teams.read" what="Teams" />;
  const teams = await listTeams(actor);
  const manager = can(actor, "users.manage");
  const readsUsers = can(actor, "users.read");
  const [hostGroups, bindings, roles, hosts] = readsUsers ? await Promise.all([listHostGroups(actor), listRoleBindings(actor), listRoles(actor), listHostRefs()]) : [[], [], [], []];
  const managesMembers = Object.fromEntries(
    teams.map((t) => [t.id, canManageTeamMembers(actor, t.members.find((m) => m.userId === actor.id) ?? null)]),
  );
  return (
    <TeamsView
      teams={teams}
      hostGroups={hostGroups}
      bindings={bindings}
      roles={roles}
      hosts={hosts}
      rights={[...RIGHTS]}
      manager={manager}
      managesMembers={managesMembers}
    />
  );
}
