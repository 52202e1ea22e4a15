// /join-tokens — the join tokens not used yet (?status=all: every state), for those who add hosts: who made each,
// the name the host will join under, when it expires; revoke one (confirmed), or add a host.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { listJoinTokens } from "@/lib/hosts/list-join-tokens";
import { NotAllowed } from "@/components/ui";
import { JoinTokensView } from "@/components/join-tokens/join-tokens-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Join tokens" };

export default async function JoinTokensPage({ searchParams }: { searchParams: Promise<{ status?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("hosts.join");
  if (!allowed) return <NotAllowed title="Join tokens" role={actor.role} action="hosts.join" what="Adding hosts and their join tokens" />;
  const status = (await searchParams).status === "all" ? "all" : "outstanding";
  const tokens = await listJoinTokens(actor, { status });
  return <JoinTokensView key={status} tokens={tokens} status={status} />;
}
