// A signed-in user changes their own name or password. A new password needs the current one; a wrong current password
// counts as a failed sign-in (a stolen session cannot guess its way to the password) and respects the lock. A new
// password ends all of the user's sessions (the page signs in again with it).
import { db } from "@/lib/db";
import { forbidden, notFound } from "@/lib/errors";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import type { Actor } from "@/lib/auth/policy";
import { assertNotLocked } from "@/lib/users/assert-not-locked";
import { recordFailedSignIn } from "@/lib/users/record-failed-sign-in";
import { disconnectUserSockets } from "@/lib/users/disconnect-user-sockets";
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
    // A new password ends every session, this one included: the caller signs in again with it.
    data: { name: change.name, passwordHash, ...(passwordHash ? { failedLogins: 0, lockedUntil: null, sessionEpoch: { increment: 1 } } : {}) },
    select: PUBLIC_USER_SELECT,
  });
  if (passwordHash) await disconnectUserSockets(actor.id);
  return toPublicUser(user);
}
