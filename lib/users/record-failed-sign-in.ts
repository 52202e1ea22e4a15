// Counts one failed password check on a user and, from the threshold on, locks the account with back-off.
import { db } from "@/lib/db";
import { lockoutMs } from "@/lib/auth/lockout";

export async function recordFailedSignIn(id: string, at: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    const { failedLogins } = await tx.user.update({
      where: { id },
      data: { failedLogins: { increment: 1 } },
      select: { failedLogins: true },
    });
    const ms = lockoutMs(failedLogins);
    if (ms > 0) await tx.user.update({ where: { id }, data: { lockedUntil: new Date(at.getTime() + ms) } });
  });
}
