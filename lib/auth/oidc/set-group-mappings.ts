// Replaces the group → team mappings single sign-on syncs membership from (lib/auth/oidc/sync-group-teams.ts). Each
// team must exist; a mapping's effect comes at each user's next sign-in.
import { db } from "@/lib/db";
import { authorize, type Actor } from "@/lib/auth/policy";
import { unprocessable } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import type { GroupMappingsInput, SsoSettingsView } from "./schemas";
import { getSsoSettings } from "./get-sso-settings";

export async function setGroupMappings(actor: Actor, input: GroupMappingsInput): Promise<SsoSettingsView["mappings"]> {
  authorize(actor, "users.manage");
  const unique = [...new Map(input.mappings.map((m) => [`${m.group}\u0000${m.teamId}`, m])).values()];
  noteActivity({ verb: "change", object: "single sign-on's group mappings", extra: `(${unique.length} mapping${unique.length === 1 ? "" : "s"})` });
  const teams = await db.team.findMany({ where: { id: { in: unique.map((m) => m.teamId) } }, select: { id: true } });
  const known = new Set(teams.map((t) => t.id));
  const bad = input.mappings.findIndex((m) => !known.has(m.teamId));
  if (bad >= 0) {
    const message = `no team has the id ${input.mappings[bad]!.teamId}`;
    throw unprocessable(`invalid request body: mappings.${bad}.teamId: ${message}`, [{ path: `mappings.${bad}.teamId`, message }]);
  }
  await db.$transaction([db.oidcGroupMapping.deleteMany({}), db.oidcGroupMapping.createMany({ data: unique })]);
  return (await getSsoSettings(actor)).mappings;
}
