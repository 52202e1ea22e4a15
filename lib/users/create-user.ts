// Creates an account with a role and an initial password. Admins create operators and viewers; owners create anyone.
import { db } from "@/lib/db";
import { conflict, forbidden } from "@/lib/errors";
import { canAssignRole, type Actor } from "@/lib/auth/policy";
import { hashPassword } from "@/lib/auth/password";
import { PUBLIC_USER_SELECT, toPublicUser, type PublicUser } from "@/lib/users/public-user";
import type { CreateUserInput } from "@/lib/users/schemas";
import { noteActivity } from "@/lib/activity/activity-note";

export async function createUser(actor: Actor, input: CreateUserInput): Promise<PublicUser> {
  noteActivity({ verb: "create", object: `user ${input.email}`, extra: `as ${input.role}` });
  if (!canAssignRole(actor, input.role)) throw forbidden(`your role (${actor.role}) cannot create ${input.role} accounts`);
  if (await db.user.findUnique({ where: { email: input.email }, select: { id: true } })) throw emailTaken(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    const user = await db.user.create({
      data: { name: input.name, email: input.email, role: input.role, passwordHash },
      select: PUBLIC_USER_SELECT,
    });
    return toPublicUser(user);
  } catch (e) {
    if ((e as { code?: string }).code === "P2002") throw emailTaken(input.email); // lost a race on the unique email
    throw e;
  }
}

const emailTaken = (email: string) => conflict(`an account with the email ${email} already exists`);
