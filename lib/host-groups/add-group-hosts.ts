// Puts hosts into a host group (users.manage); a host may be in several groups. Hosts already in it stay.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { announceBindingSubjects } from "@/lib/role-bindings/announce-binding-subjects";
import { groupHostsSchema, type HostGroupView } from "./schemas";
import { assertHostsExist } from "./host-group-view";
import { getHostGroupOrThrow } from "./get-host-group-or-throw";

export async function addGroupHosts(actor: Actor, id: string, input: { hostIds: number[] }): Promise<HostGroupView> {
  authorize(actor, "users.manage");
  const { hostIds } = groupHostsSchema.parse(input);
  const group = await db.hostGroup.findUnique({ where: { id }, select: { name: true, bindings: { select: { userId: true, teamId: true } } } });
  if (!group) throw notFound(`host group ${id}`);
  noteActivity({ verb: "change", object: `host group "${group.name}"`, extra: `(hosts ${hostIds.join(", ")} added)` });
  await assertHostsExist(hostIds);
  await db.hostGroupMember.createMany({ data: [...new Set(hostIds)].map((hostId) => ({ hostGroupId: id, hostId })), skipDuplicates: true });
  await announceBindingSubjects(group.bindings);
  return getHostGroupOrThrow(actor, id);
}
