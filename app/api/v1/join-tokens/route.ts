// POST /api/v1/join-tokens — mints a single-use, expiring join token; returned once, with the command to run (and the
// certificate fingerprint agents pin when the control plane's certificate is self-signed).
import { z } from "zod";
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { createJoinToken } from "@/lib/hosts/create-join-token";
import { joinCommand, storeCredentialCommand } from "@/lib/hosts/join-command";
import { serverContext } from "@/lib/server-context";

export const dynamic = "force-dynamic";

const Body = z.object({ ttlMinutes: z.number().int().min(1).max(7 * 24 * 60).optional() }).strict();

export const POST = withAuth(
  async ({ req, actor }) => {
    // The body is optional: an empty POST mints a token with the default lifetime.
    const body = req.headers.get("content-type") ? await parseJson(req, Body) : {};
    const { token, expiresAt } = await createJoinToken({
      createdById: actor.id,
      ttlMs: body.ttlMinutes ? body.ttlMinutes * 60_000 : undefined,
    });
    const { publicUrl, tls } = serverContext.get();
    const fingerprint = tls?.pinned ? tls.fingerprint : null;
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      serverUrl: publicUrl,
      fingerprint,
      command: joinCommand(publicUrl, token, fingerprint),
      serviceCommand: storeCredentialCommand(publicUrl, token, fingerprint),
    };
  },
  { permission: "hosts.join", status: 201 },
);
