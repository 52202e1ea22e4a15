// Ends every session of a user: tokens issued before carry an older epoch and stop working on their next request,
// and the user's live browser sockets are dropped now. (Changes that end sessions inside a larger update bump
// `sessionEpoch` in that same update and call disconnectUserSockets after it.)
import { db } from "@/lib/db";
import { disconnectUserSockets } from "@/lib/users/disconnect-user-sockets";
import { actorChanged } from "@/lib/users/actor-changes";

export async function endSessions(userId: string): Promise<void> {
  await db.user.updateMany({ where: { id: userId }, data: { sessionEpoch: { increment: 1 } } });
  await disconnectUserSockets(userId);
  actorChanged({ userId });
}
