// /account/sessions — where one is signed in: each session (when it began, last seen, address, browser, password or
// single sign-on), this one marked, any other revoked from here. Everything goes through /api/v1/sessions.
import type { Metadata } from "next";
import { headers, cookies } from "next/headers";
import { pageAccess } from "@/lib/auth/current-actor";
import { listSessions } from "@/lib/sessions/list-sessions";
import { currentSessionId } from "@/lib/sessions/current-session-id";
import { NotAllowed } from "@/components/ui";
import { SessionsView } from "@/components/sessions/sessions-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your sessions" };

export default async function SessionsPage() {
  const { actor, allowed } = await pageAccess("me.read");
  if (!allowed) return <NotAllowed title="Your sessions" role={actor.role} action="me.read" what="Seeing your sessions" />;
  const req = { headers: Object.fromEntries((await headers()).entries()), cookies: Object.fromEntries((await cookies()).getAll().map((c) => [c.name, c.value])) };
  const sessions = await listSessions(actor, { currentId: await currentSessionId(req as never) });
  return <SessionsView sessions={sessions} />;
}
