// DELETE /api/v1/sessions/{id} — revokes one session (one's own, or one of a user the caller manages): its next request
// is a 401 and its open sockets are dropped; the user's other sessions go on.
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { sessionIdParams } from "@/lib/sessions/schemas";
import { revokeSession } from "@/lib/sessions/revoke-session";
import { currentSessionId } from "@/lib/sessions/current-session-id";

export const dynamic = "force-dynamic";

export const DELETE = withAuth<Record<string, string>>(
  async ({ req, actor, params }) => ({ session: await revokeSession(actor, parseParam(sessionIdParams, params, "session id").id, await currentSessionId(req)) }),
  { permission: "me.update" },
);
