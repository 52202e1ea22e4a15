// Sign-in's one check. Unknown emails cost the same argon2 work as known ones; a locked account is refused without
// looking at the password; failures are counted on the user row and lock it with exponential back-off; success resets.
import { db } from "@/lib/db";
import { unauthorized, forbidden } from "@/lib/errors";
import { verifyAgainstDummy, verifyPassword } from "@/lib/auth/password";
import type { Actor } from "@/lib/auth/policy";
import { assertNotLocked } from "@/lib/users/assert-not-locked";
import { recordFailedSignIn } from "@/lib/users/record-failed-sign-in";

export const INVALID_CREDENTIALS = "wrong email or password";

/** The signed-in actor and the session epoch its token is issued in. */
export type VerifiedUser = Actor & { sessionEpoch: number };

export async function verifyCredentials(email: string, password: string, now: () => Date = () => new Date()): Promise<VerifiedUser> {
  const user = await db.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    select: { id: true, email: true, name: true, role: true, disabled: true, lockedUntil: true, passwordHash: true, sessionEpoch: true },
  });
  if (!user) {
    await verifyAgainstDummy(password);
    throw unauthorized(INVALID_CREDENTIALS);
  }
  assertNotLocked(user, now());
  if (!(await verifyPassword(user.passwordHash, password))) {
    await recordFailedSignIn(user.id, now());
    throw unauthorized(INVALID_CREDENTIALS);
  }
  if (user.disabled) throw forbidden("this account is disabled: ask an administrator");
  await db.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: now() } });
  return { id: user.id, email: user.email, name: user.name, role: user.role, disabled: user.disabled, sessionEpoch: user.sessionEpoch };
}
