// DELETE /api/v1/join-tokens/{id} — revokes a join token before it is used (a used one: 409, revoke its host instead).
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { joinTokenIdParam } from "@/lib/hosts/join-token-schemas";
import { revokeJoinToken } from "@/lib/hosts/revoke-join-token";

export const dynamic = "force-dynamic";

export const DELETE = withAuth<Record<string, string>>(
  async ({ actor, params }) => ({ joinToken: await revokeJoinToken(actor, parseParam(joinTokenIdParam, params.id, "join token id")) }),
  { permission: "hosts.join" },
);
