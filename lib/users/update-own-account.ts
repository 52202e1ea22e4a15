// A signed-in user changes their own name or password. A new password needs the current one; a wrong current password
// counts as a failed sign-in (a stolen session cannot guess its way to the password) and respects the lock.
import { db } from "@/lib/db";
import { forbidden, notFound } from "@/lib/errors";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import type { Actor } from "@/lib/auth/policy";
import { assertNotLocked } from "@/lib/users/assert-not-locked";
import { recordFailedSignIn } from "@/lib/users/record-failed-sign-in";
import { PUBLIC_USER_SELECT, toPublicUser, type PublicUser } from "@/lib/users/public-user";
import type { UpdateOwnAccountInput } from "@/lib/users/schemas";

export async function updateOwnAccount(actor: Actor, change: UpdateOwnAccountInput, now: () => Date = () => new Date()): Promise<PublicUser> {
  let passwordHash: string | undefined;
  if (change.newPassword !== undefined) {
    const me = await db.user.findUnique({ where: { id: actor.id }, select: { passwordHash: true, lockedUntil: true } });
    if (!me) throw notFound("user");
    assertNotLocked(me, now());
    if (!(await verifyPassword(me.passwordHash, change.currentPassword ?? ""))) {
      await recordFailedSignIn(actor.id, now());
      throw forbidden("the current password is wrong");
    }
    passwordHash = await hashPassword(change.newPassword);
  }
  const user = await db.user.update({
    where: { id: actor.id },
    data: { name: change.name, passwordHash, ...(passwordHash ? { failedLogins: 0, lockedUntil: null } : {}) },
    select: PUBLIC_USER_SELECT,
  });
  return toPublicUser(user);
}
