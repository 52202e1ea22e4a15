// Sign-in's one check. Every failure — unknown email, wrong password, a disabled account, an address that failed too
// often against this email lately — gets the same answer after the same argon2 work, so sign-in tells nobody which
// accounts exist or what state they are in. Failures are counted per (source address, account) with back-off
// (lib/auth/lockout.ts): whoever is guessing is slowed, the account's owner signing in from elsewhere is not. Each
// attempt, and why a failed one failed, is in the activity record for admins (lib/activity/record-sign-in.ts).
import { db } from "@/lib/db";
import { unauthorized } from "@/lib/errors";
import { verifyAgainstDummy, verifyPassword } from "@/lib/auth/password";
import { normalizeEmail, throttleKey } from "@/lib/auth/lockout";
import type { Actor } from "@/lib/auth/policy";
import { clearThrottle, recordThrottledFailure, throttleRemainingMs } from "@/lib/users/sign-in-throttle";
import { recordSignIn } from "@/lib/activity/record-sign-in";

export const INVALID_CREDENTIALS = "wrong email or password, or too many attempts: check them, or wait a few minutes";

/** The signed-in actor and the session epoch its token is issued in. */
export type VerifiedUser = Actor & { sessionEpoch: number };

export async function verifyCredentials(email: string, password: string, from: string | null, now: () => Date = () => new Date()): Promise<VerifiedUser> {
  const key = throttleKey(from, email);
  const waiting = await throttleRemainingMs(key, now());
  const user = await db.user.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, email: true, name: true, role: true, disabled: true, passwordHash: true, sessionEpoch: true },
  });
  const who = user ? { id: user.id, email: user.email } : null;
  const record = (outcome: Parameters<typeof recordSignIn>[0]["outcome"]) => recordSignIn({ user: who, outcome, method: "password", ip: from });
  if (waiting > 0) {
    // Refused unchecked, but after the same work as a check: the answer and its timing say nothing.
    await verifyAgainstDummy(password);
    await record("throttled");
    throw unauthorized(INVALID_CREDENTIALS);
  }
  const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
  if (!user || !ok) {
    await recordThrottledFailure(key, now());
    await record(user ? "wrong_password" : "unknown_account");
    throw unauthorized(INVALID_CREDENTIALS);
  }
  if (user.disabled) {
    await record("disabled");
    throw unauthorized(INVALID_CREDENTIALS);
  }
  await clearThrottle(key);
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: now() } });
  await record("ok");
  return { id: user.id, email: user.email, name: user.name, role: user.role, disabled: user.disabled, sessionEpoch: user.sessionEpoch };
}
