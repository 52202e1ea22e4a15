// Creates a host group (users.manage), with hosts in it if named.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { conflict } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { createHostGroupSchema, type CreateHostGroupInput, type HostGroupView } from "./schemas";
import { HOST_GROUP_SELECT, assertHostsExist, hostGroupViews } from "./host-group-view";

export async function createHostGroup(actor: Actor, input: CreateHostGroupInput): Promise<HostGroupView> {
  authorize(actor, "users.manage");
  const { name, description, hostIds = [] } = createHostGroupSchema.parse(input);
  noteActivity({ verb: "create", object: `host group "${name}"`, extra: hostIds.length ? `(hosts ${hostIds.join(", ")})` : undefined });
  if (await db.hostGroup.findUnique({ where: { name }, select: { id: true } })) throw conflict(`a host group named "${name}" exists`);
  await assertHostsExist(hostIds);
  const row = await db.hostGroup.create({
    data: { name, description: description ?? null, members: { create: [...new Set(hostIds)].map((hostId) => ({ hostId })) } },
    select: HOST_GROUP_SELECT,
  });
  return (await hostGroupViews([row]))[0]!;
}
