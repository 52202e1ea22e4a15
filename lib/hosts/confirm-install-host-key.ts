// The person compared the fingerprint the target presented with the machine's own (ssh-keygen -lf) and confirms it:
// it is pinned for the job (and the host it makes), and the job goes on. A fingerprint other than the one presented
// is refused — nothing is pinned that the target did not show.
import { authorize, type Actor } from "@/lib/auth/policy";
import { noteActivity } from "@/lib/activity/activity-note";
import { db } from "@/lib/db";
import { conflict, notFound } from "@/lib/errors";
import { serverContext } from "@/lib/server-context";
import { describeSshTarget } from "./ssh-target";
import { toInstallJobView, type InstallJobView } from "./install-job-schemas";

export async function confirmInstallHostKey(actor: Actor, jobId: string, fingerprint: string): Promise<{ job: InstallJobView }> {
  authorize(actor, "hosts.install");
  const row = await db.hostInstallJob.findUnique({ where: { id: jobId } });
  if (!row) throw notFound(`install job ${jobId}`);
  noteActivity({ verb: "confirm", object: `the host key of ${describeSshTarget({ host: row.address, port: row.port, username: row.username })}`, extra: fingerprint });
  if (row.state !== "awaiting_host_key" || !row.presentedHostKey) throw conflict(`install job ${jobId} is not waiting for a host key (it is ${row.state.replace(/_/g, "-")})`);
  if (row.presentedHostKey !== fingerprint) {
    throw conflict(`the target presented ${row.presentedHostKey}, not ${fingerprint}: compare again with ssh-keygen -lf of the machine's host key`);
  }
  const updated = await db.hostInstallJob.updateManyAndReturn({
    where: { id: jobId, state: "awaiting_host_key", presentedHostKey: fingerprint },
    data: { hostKey: fingerprint, presentedHostKey: null, state: "running" },
  });
  if (!updated[0]) throw conflict(`install job ${jobId} changed meanwhile; read it again`);
  if (!serverContext.maybe()?.installJobs?.confirmHostKey(jobId)) {
    await db.hostInstallJob.update({ where: { id: jobId }, data: { state: "failed", reason: "the control plane restarted while the job waited: start it again (the host key is pinned now if you pass it)", finishedAt: new Date() } });
    throw conflict(`install job ${jobId} is no longer running (the control plane restarted): start it again`);
  }
  return { job: toInstallJobView(updated[0]) };
}
