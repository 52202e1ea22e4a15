// Add a host over SSH: the job is stored (where, who, how it goes — never the key, passphrase or password) and handed
// with the credentials, in memory, to the runner (server/ssh/install-job.ts), which connects, uploads the agent bundle,
// runs install.sh's preflight and install with a fresh single-use join token, and waits until the host is online.
// A target already added over SSH keeps its pinned host key: running the job again repairs it with the same key.
import { authorize, type Actor } from "@/lib/auth/policy";
import { noteActivity } from "@/lib/activity/activity-note";
import { db } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { serverContext } from "@/lib/server-context";
import { describeSshTarget } from "./ssh-target";
import { toInstallJobView, type AddHostOverSshBody, type InstallJobView } from "./install-job-schemas";

export async function startInstallJob(actor: Actor, body: AddHostOverSshBody, origin: string): Promise<{ job: InstallJobView }> {
  authorize(actor, "hosts.install");
  const runner = serverContext.maybe()?.installJobs;
  if (!runner) throw new GantryError("unavailable", "this control plane cannot run install jobs (not started by server/server.ts)");
  const where = describeSshTarget({ host: body.address, port: body.port, username: body.user });
  const jump = body.jump ? describeSshTarget({ host: body.jump.address, port: body.jump.port, username: body.jump.user }) : null;
  noteActivity({ verb: "install", object: `an agent on ${where}`, extra: [jump && `via ${jump}`, body.name && `as host ${body.name}`].filter(Boolean).join(" ") || undefined });
  const sshAddress = `${body.address}:${body.port}`;
  const pinned =
    body.hostKeyFingerprint ??
    (await db.host.findFirst({ where: { sshAddress, revokedAt: null, sshHostKey: { not: null } }, orderBy: { id: "desc" }, select: { sshHostKey: true } }))?.sshHostKey ??
    null;
  const row = await db.hostInstallJob.create({
    data: {
      startedById: actor.id,
      address: body.address,
      port: body.port,
      username: body.user,
      jump,
      name: body.name ?? null,
      serverUrl: (body.serverUrl ?? origin).replace(/\/+$/, ""),
      hostKey: pinned,
    },
  });
  runner.start(row.id, {
    privateKey: body.privateKey,
    passphrase: body.passphrase,
    password: body.password,
    jump: body.jump && { privateKey: body.jump.privateKey, passphrase: body.jump.passphrase, password: body.jump.password, hostKey: body.jump.hostKeyFingerprint },
  });
  return { job: toInstallJobView(row) };
}
