// GET /api/v1/join-tokens — the outstanding join tokens (?status=all: every state). POST {ttlMinutes?, hostName?} —
// mints a single-use, expiring join token; returned once, with the command to run (the host joins under hostName; the
// command carries the certificate fingerprint agents pin when the control plane's certificate is self-signed).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseQuery } from "@/lib/http/parse";
import { createJoinTokenBody, listJoinTokensQuery } from "@/lib/hosts/join-token-schemas";
import { listJoinTokens } from "@/lib/hosts/list-join-tokens";
import { mintJoinToken } from "@/lib/hosts/mint-join-token";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => ({ joinTokens: await listJoinTokens(actor, parseQuery(req, listJoinTokensQuery)) }), {
  permission: "hosts.join",
});

export const POST = withAuth(
  // The body is optional: an empty POST mints a token with the default lifetime and no name.
  async ({ req, actor }) => mintJoinToken(actor, req.headers.get("content-type") ? await parseJson(req, createJoinTokenBody) : {}),
  { permission: "hosts.join", status: 201 },
);
