// Refuses (429) while an account's sign-in lock runs, saying how long is left; the password is not looked at.
import { GantryError } from "@/lib/errors";
import { describeWait } from "@/lib/auth/lockout";

export function assertNotLocked(user: { lockedUntil: Date | null }, now: Date): void {
  const lockedFor = user.lockedUntil ? user.lockedUntil.getTime() - now.getTime() : 0;
  if (lockedFor > 0) {
    throw new GantryError("too_many_requests", `too many failed sign-in attempts: this account is locked, try again in ${describeWait(lockedFor)}`);
  }
}
