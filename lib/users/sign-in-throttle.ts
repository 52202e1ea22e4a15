// The sign-in back-off's state (lib/auth/lockout.ts has the rules): one row per (source address, account) that has
// failed lately. Password checks — sign-in, and changing one's own password — ask it first and tell it how they went.
import { db } from "@/lib/db";
import { THROTTLE_FORGET_MS, accountKey, lockoutMs, type ThrottleKey } from "@/lib/auth/lockout";

/** Milliseconds this pair must still wait (0: it may try now). */
export async function throttleRemainingMs(key: ThrottleKey, now: Date): Promise<number> {
  const row = await db.signInThrottle.findUnique({ where: { address_account: key }, select: { lockedUntil: true } });
  return row?.lockedUntil ? Math.max(0, row.lockedUntil.getTime() - now.getTime()) : 0;
}

/** Counts one failure for the pair and, from the threshold on, refuses it for a while (doubling each time). */
export async function recordThrottledFailure(key: ThrottleKey, now: Date): Promise<void> {
  const stale = new Date(now.getTime() - THROTTLE_FORGET_MS);
  await db.$transaction(async (tx) => {
    const prior = await tx.signInThrottle.findUnique({ where: { address_account: key }, select: { failures: true, updatedAt: true } });
    const failures = (prior && prior.updatedAt > stale ? prior.failures : 0) + 1;
    const ms = lockoutMs(failures);
    const data = { failures, lockedUntil: ms > 0 ? new Date(now.getTime() + ms) : null, updatedAt: now };
    await tx.signInThrottle.upsert({ where: { address_account: key }, create: { ...key, ...data }, update: data });
  });
  // Old pairs go as new failures come: the table holds at most a day of failures.
  await db.signInThrottle.deleteMany({ where: { updatedAt: { lt: stale } } });
}

/** A success from this address: its count for the account starts again. */
export async function clearThrottle(key: ThrottleKey): Promise<void> {
  await db.signInThrottle.deleteMany({ where: key });
}

/** Every address's count for an account (an administrator set a new password for it). */
export async function clearAccountThrottles(email: string): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { account: accountKey(email) } });
}
