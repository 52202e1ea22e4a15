// First-run setup: creates the owner account, only while no user exists. Two concurrent calls create one owner: the
// check and the insert run under the users advisory lock, and the loser gets 409.
import { db } from "@/lib/db";
import { conflict } from "@/lib/errors";
import { hashPassword } from "@/lib/auth/password";
import { lockUsers } from "@/lib/users/users-lock";
import { PUBLIC_USER_SELECT, toPublicUser, type PublicUser } from "@/lib/users/public-user";
import type { SetupOwnerInput } from "@/lib/users/schemas";

export async function setupOwner(input: SetupOwnerInput): Promise<PublicUser> {
  // Cheap refusal before the expensive hash; the locked check below is the one that counts.
  if ((await db.user.count()) > 0) throw conflict("setup is already done: sign in instead");
  const passwordHash = await hashPassword(input.password);
  const user = await db.$transaction(async (tx) => {
    await lockUsers(tx);
    if ((await tx.user.count()) > 0) throw conflict("setup is already done: sign in instead");
    return tx.user.create({
      data: { name: input.name, email: input.email, passwordHash, role: "owner" },
      select: PUBLIC_USER_SELECT,
    });
  });
  return toPublicUser(user);
}
