// Every host group with its hosts (users.read: groups say who may reach which hosts).
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { HOST_GROUP_SELECT, hostGroupViews } from "./host-group-view";
import type { HostGroupView } from "./schemas";

export async function listHostGroups(actor: Actor): Promise<HostGroupView[]> {
  authorize(actor, "users.read");
  return hostGroupViews(await db.hostGroup.findMany({ select: HOST_GROUP_SELECT, orderBy: { name: "asc" } }));
}
