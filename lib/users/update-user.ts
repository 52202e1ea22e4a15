// Changes an account's name, role, disabled flag or password. Nobody changes their own account here; admins manage operators and
// viewers; only an owner manages admins and owners; the last active owner is never demoted or disabled. Disabling
// takes effect at once: the next request re-reads the user, and their live browser sockets are dropped now; a new
// password or re-enabling ends their old sessions, so a cookie from before does not come back to life. A role change
// reaches open streams at once too: the actor-changed signal makes the control plane re-check them.
import { db } from "@/lib/db";
import { conflict, forbidden, notFound } from "@/lib/errors";
import { canAssignRole, canManageUser, type Actor } from "@/lib/auth/policy";
import { hashPassword } from "@/lib/auth/password";
import { lockUsers } from "@/lib/users/users-lock";
import { disconnectUserSockets } from "@/lib/users/disconnect-user-sockets";
import { clearAccountThrottles } from "@/lib/users/sign-in-throttle";
import { actorChanged } from "@/lib/users/actor-changes";
import { PUBLIC_USER_SELECT, toPublicUser, type PublicUser } from "@/lib/users/public-user";
import type { UpdateUserInput } from "@/lib/users/schemas";
import { noteActivity } from "@/lib/activity/activity-note";
import type { ActivitySummary } from "@/lib/activity/describe-activity";

export async function updateUser(actor: Actor, id: string, change: UpdateUserInput): Promise<PublicUser> {
  const passwordHash = change.password !== undefined ? await hashPassword(change.password) : undefined;
  const updated = await db.$transaction(async (tx) => {
    await lockUsers(tx);
    // The actor as of now, under the lock: a concurrent change may just have demoted or disabled them.
    const me = await tx.user.findUnique({ where: { id: actor.id }, select: { id: true, email: true, name: true, role: true, disabled: true } });
    if (!me || me.disabled) throw forbidden("this account is disabled");
    actor = me;
    const target = await tx.user.findUnique({ where: { id }, select: { id: true, email: true, role: true, disabled: true } });
    if (!target) throw notFound("user");
    noteActivity(changeSummary(target.email, change));
    if (target.id === actor.id) throw forbidden("you cannot change your own role or status: ask another administrator");
    if (!canManageUser(actor, target)) throw forbidden(`your role (${actor.role}) cannot change ${target.role} accounts`);
    if (change.role && change.role !== target.role && !canAssignRole(actor, change.role)) {
      throw forbidden(`your role (${actor.role}) cannot give the ${change.role} role`);
    }
    const losesOwner = target.role === "owner" && !target.disabled && ((change.role && change.role !== "owner") || change.disabled === true);
    if (losesOwner) {
      const others = await tx.user.count({ where: { role: "owner", disabled: false, id: { not: target.id } } });
      if (others === 0) throw conflict("this is the last owner: make another user owner first");
    }
    return tx.user.update({
      where: { id },
      data: {
        name: change.name,
        role: change.role,
        disabled: change.disabled,
        ...(passwordHash ? { passwordHash } : {}),
        // A new password ends every session the user has; so does re-enabling (sessions from before the account was
        // disabled — which answered 403 "disabled" meanwhile — do not come back to life).
        ...(passwordHash || (change.disabled === false && target.disabled) ? { sessionEpoch: { increment: 1 } } : {}),
      },
      select: PUBLIC_USER_SELECT,
    });
  });
  // A new password set by an administrator lifts every address's sign-in back-off for the account.
  if (passwordHash) await clearAccountThrottles(updated.email);
  if (updated.disabled || passwordHash) await disconnectUserSockets(updated.id);
  if (change.role !== undefined || change.disabled !== undefined || passwordHash) actorChanged({ userId: updated.id });
  return toPublicUser(updated);
}

/** "disabled user bob@example.com", "changed the role of bob@example.com to operator", or several changes at once. */
function changeSummary(email: string, change: UpdateUserInput): ActivitySummary {
  const parts: string[] = [];
  if (change.role !== undefined) parts.push(`role to ${change.role}`);
  if (change.name !== undefined) parts.push(`name to "${change.name}"`);
  if (change.password !== undefined) parts.push("a new password");
  if (change.disabled !== undefined && parts.length === 0) return { verb: change.disabled ? "disable" : "enable", object: `user ${email}` };
  if (change.disabled !== undefined) parts.push(change.disabled ? "disabled" : "enabled");
  return { verb: "change", object: `user ${email}`, extra: parts.length ? `(${parts.join(", ")})` : undefined };
}
