// DELETE /api/v1/tokens/{id} — revokes an API token (one's own, or one of a user the caller manages).
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { apiTokenIdParams } from "@/lib/api-tokens/schemas";
import { revokeApiToken } from "@/lib/api-tokens/revoke-api-token";

export const dynamic = "force-dynamic";

export const DELETE = withAuth<Record<string, string>>(
  async ({ actor, params }) => ({ apiToken: await revokeApiToken(actor, parseParam(apiTokenIdParams, params, "token id").id) }),
  { permission: "tokens.manage" },
);
