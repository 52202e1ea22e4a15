// GET /api/v1/tokens — one's own API tokens (?all=true: every user's, for admins). POST — create one; the token is shown once.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseQuery } from "@/lib/http/parse";
import { createApiTokenSchema, listApiTokensQuery } from "@/lib/api-tokens/schemas";
import { listApiTokens } from "@/lib/api-tokens/list-api-tokens";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { noteActivity } from "@/lib/activity/activity-note";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ req, actor }) => ({ tokens: await listApiTokens(actor, { all: parseQuery(req, listApiTokensQuery).all === "true" }) }),
  { permission: "tokens.manage" },
);

export const POST = withAuth(
  async ({ req, actor }) => {
    const input = await parseJson(req, createApiTokenSchema);
    noteActivity({ verb: "create", object: `API token "${input.name}"`, extra: `(${input.role ?? "the user's own role"}, for ${input.expiresInDays ?? 30} days)` });
    return createApiToken(actor, input);
  },
  { permission: "tokens.manage", status: 201 },
);
