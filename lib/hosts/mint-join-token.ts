// "Add host" for a signed-in user: a single-use join token (optionally naming the host it will make) and the one
// line to run on the new machine (with the certificate fingerprint agents pin when the control plane's certificate is
// self-signed), shown once.
import { authorize, type Actor } from "@/lib/auth/policy";
import { noteActivity } from "@/lib/activity/activity-note";
import { serverContext } from "@/lib/server-context";
import { createJoinToken } from "./create-join-token";
import { joinCommand, storeCredentialCommand } from "./join-command";
import type { CreateJoinTokenBody, CreatedJoinTokenView } from "./join-token-schemas";

export async function mintJoinToken(actor: Actor, input: CreateJoinTokenBody): Promise<CreatedJoinTokenView> {
  authorize(actor, "hosts.join");
  const hostName = input.hostName ?? null;
  noteActivity({ verb: "create", object: hostName ? `a join token for host ${hostName}` : "a join token", extra: input.ttlMinutes ? `(valid ${input.ttlMinutes} min)` : undefined });
  const { id, token, expiresAt } = await createJoinToken({ createdById: actor.id, ttlMs: input.ttlMinutes ? input.ttlMinutes * 60_000 : undefined, hostName });
  const { publicUrl, tls } = serverContext.get();
  const fingerprint = tls?.pinned ? tls.fingerprint : null;
  return {
    id,
    token,
    hostName,
    expiresAt: expiresAt.toISOString(),
    serverUrl: publicUrl,
    fingerprint,
    command: joinCommand(publicUrl, token, fingerprint),
    serviceCommand: storeCredentialCommand(publicUrl, token, fingerprint),
  };
}
