// GET /api/v1/sessions — one's own signed-in sessions (?userId=: another user's, for those who manage that user).
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { listSessionsQuery } from "@/lib/sessions/schemas";
import { listSessions } from "@/lib/sessions/list-sessions";
import { currentSessionId } from "@/lib/sessions/current-session-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ req, actor }) => ({ sessions: await listSessions(actor, { userId: parseQuery(req, listSessionsQuery).userId, currentId: await currentSessionId(req) }) }),
  { permission: "me.read" },
);
