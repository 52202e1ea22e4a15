// Creates a custom role: a named set of rights (users.manage, holding each of them fleet-wide).
import { db } from "@/lib/db";
import { authorize, holdsRight, type Actor } from "@/lib/auth/policy";
import { conflict, forbidden } from "@/lib/errors";
import { noteActivity } from "@/lib/activity/activity-note";
import { createCustomRoleSchema, type CreateCustomRoleInput, type RoleView } from "./schemas";

export async function createCustomRole(actor: Actor, input: CreateCustomRoleInput): Promise<RoleView> {
  authorize(actor, "users.manage");
  const { name, description, rights } = createCustomRoleSchema.parse(input);
  noteActivity({ verb: "create", object: `role "${name}"`, extra: `(${rights.join(", ")})` });
  const lacking = rights.find((r) => !holdsRight(actor, r, { fleet: true }));
  if (lacking) throw forbidden(`a role you make cannot hold ${lacking}: you do not hold it fleet-wide`);
  if (await db.customRole.findUnique({ where: { name }, select: { id: true } })) throw conflict(`a role named "${name}" exists`);
  const row = await db.customRole.create({ data: { name, description: description ?? null, rights: [...new Set(rights)] }, select: { id: true, name: true, description: true, rights: true } });
  return { ...row, builtin: false };
}
