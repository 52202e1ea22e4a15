// A signed-in user changes their own name or password. A new password needs the current one; a wrong current password
// counts as a failed sign-in from the caller's address (a stolen session cannot guess its way to the password) and
// respects that address's back-off. A new password ends all of the user's sessions (the page signs in again with it).
import { db } from "@/lib/db";
import { GantryError, forbidden, notFound } from "@/lib/errors";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import type { Actor } from "@/lib/auth/policy";
import { describeWait, throttleKey } from "@/lib/auth/lockout";
import { clearAccountThrottles, recordThrottledFailure, throttleRemainingMs } from "@/lib/users/sign-in-throttle";
import { disconnectUserSockets } from "@/lib/users/disconnect-user-sockets";
import { actorChanged } from "@/lib/users/actor-changes";
import { PUBLIC_USER_SELECT, toPublicUser, type PublicUser } from "@/lib/users/public-user";
import type { UpdateOwnAccountInput } from "@/lib/users/schemas";

export async function updateOwnAccount(
  actor: Actor,
  change: UpdateOwnAccountInput,
  from: string | null,
  now: () => Date = () => new Date(),
): Promise<PublicUser> {
  let passwordHash: string | undefined;
  if (change.newPassword !== undefined) {
    const me = await db.user.findUnique({ where: { id: actor.id }, select: { email: true, passwordHash: true } });
    if (!me) throw notFound("user");
    // The signed-in user is no stranger: they are told how long to wait.
    const key = throttleKey(from, me.email);
    const waiting = await throttleRemainingMs(key, now());
    if (waiting > 0) throw new GantryError("too_many_requests", `too many wrong passwords from here: try again in ${describeWait(waiting)}`);
    if (!(await verifyPassword(me.passwordHash, change.currentPassword ?? ""))) {
      await recordThrottledFailure(key, now());
      throw forbidden("the current password is wrong");
    }
    passwordHash = await hashPassword(change.newPassword);
  }
  const user = await db.user.update({
    where: { id: actor.id },
    // A new password ends every session, this one included: the caller signs in again with it.
    data: { name: change.name, passwordHash, ...(passwordHash ? { sessionEpoch: { increment: 1 } } : {}) },
    select: PUBLIC_USER_SELECT,
  });
  if (passwordHash) {
    await clearAccountThrottles(user.email);
    await disconnectUserSockets(actor.id);
    actorChanged({ userId: actor.id });
  }
  return toPublicUser(user);
}
