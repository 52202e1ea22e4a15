// Renames a host group or changes its description (users.manage).
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { conflict, notFound } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { updateHostGroupSchema, type HostGroupView, type UpdateHostGroupInput } from "./schemas";
import { HOST_GROUP_SELECT, hostGroupViews } from "./host-group-view";

export async function updateHostGroup(actor: Actor, id: string, input: UpdateHostGroupInput): Promise<HostGroupView> {
  authorize(actor, "users.manage");
  const { name, description } = updateHostGroupSchema.parse(input);
  const group = await db.hostGroup.findUnique({ where: { id }, select: { name: true } });
  if (!group) throw notFound(`host group ${id}`);
  noteActivity({ verb: "change", object: `host group "${group.name}"`, extra: name && name !== group.name ? `(renamed "${name}")` : undefined });
  if (name && name !== group.name && (await db.hostGroup.findUnique({ where: { name }, select: { id: true } }))) throw conflict(`a host group named "${name}" exists`);
  const row = await db.hostGroup.update({ where: { id }, data: { ...(name ? { name } : {}), ...(description !== undefined ? { description } : {}) }, select: HOST_GROUP_SELECT });
  return (await hostGroupViews([row]))[0]!;
}
