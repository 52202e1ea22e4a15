// /tokens — one's own API tokens (for scripts and the `gantry` CLI): create with a role and an expiry (shown once),
// list, revoke. Admins may look at everyone's (?all=true). Every change goes through /api/v1/tokens.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { ROLES, can } from "@/lib/auth/policy";
import { listApiTokens } from "@/lib/api-tokens/list-api-tokens";
import { MAX_TOKEN_DAYS } from "@/lib/api-tokens/schemas";
import { rank } from "@/lib/api-tokens/role-rank";
import { listUsers } from "@/lib/users/list-users";
import { NotAllowed } from "@/components/ui";
import { TokensView } from "@/components/tokens/tokens-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage({ searchParams }: { searchParams: Promise<{ all?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("tokens.manage");
  if (!allowed) return <NotAllowed title="API tokens" role={actor.role} action="tokens.manage" what="Managing API tokens" />;
  const canSeeAll = can(actor, "users.manage");
  const all = canSeeAll && (await searchParams).all === "true";
  const [tokens, users] = await Promise.all([listApiTokens(actor, { all }), all ? listUsers() : Promise.resolve([])]);
  const owners = Object.fromEntries(users.map((u) => [u.id, u.email]));
  return (
    <TokensView
      key={String(all)}
      tokens={tokens}
      owners={owners}
      all={all}
      canSeeAll={canSeeAll}
      actorId={actor.id}
      roles={ROLES.filter((r) => rank(r) <= rank(actor.role))}
      defaultRole={actor.role}
      maxDays={MAX_TOKEN_DAYS}
      renderedAt={Date.now()}
    />
  );
}
