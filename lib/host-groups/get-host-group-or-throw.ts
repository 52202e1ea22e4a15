// One host group with its hosts (users.read).
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";
import { HOST_GROUP_SELECT, hostGroupViews } from "./host-group-view";
import type { HostGroupView } from "./schemas";

export async function getHostGroupOrThrow(actor: Actor, id: string): Promise<HostGroupView> {
  authorize(actor, "users.read");
  const row = await db.hostGroup.findUnique({ where: { id }, select: HOST_GROUP_SELECT });
  if (!row) throw notFound(`host group ${id}`);
  return (await hostGroupViews([row]))[0]!;
}
