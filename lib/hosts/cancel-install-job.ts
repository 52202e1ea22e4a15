// Cancels an install job: its remote command is killed and what it installed removed (the runner does that), and the
// job ends cancelled. A job already finished is left as it is.
import { authorize, type Actor } from "@/lib/auth/policy";
import { noteActivity } from "@/lib/activity/activity-note";
import { db } from "@/lib/db";
import { conflict, notFound } from "@/lib/errors";
import { serverContext } from "@/lib/server-context";
import { describeSshTarget } from "./ssh-target";
import { FINISHED_STATES, toInstallJobView, type InstallJobState, type InstallJobView } from "./install-job-schemas";

export async function cancelInstallJob(actor: Actor, jobId: string): Promise<{ job: InstallJobView }> {
  authorize(actor, "hosts.install");
  const row = await db.hostInstallJob.findUnique({ where: { id: jobId } });
  if (!row) throw notFound(`install job ${jobId}`);
  noteActivity({ verb: "cancel", object: `the install job on ${describeSshTarget({ host: row.address, port: row.port, username: row.username })}` });
  const state = row.state.replace(/_/g, "-") as InstallJobState;
  if (FINISHED_STATES.has(state)) throw conflict(`install job ${jobId} has already ${state === "succeeded" ? "succeeded" : `ended (${state})`}`);
  if (!serverContext.maybe()?.installJobs?.cancel(jobId)) {
    // Not running in this process (a restart ended it): it is over, say so.
    const ended = await db.hostInstallJob.update({ where: { id: jobId }, data: { state: "cancelled", reason: "cancelled", finishedAt: new Date() } });
    return { job: toInstallJobView(ended) };
  }
  return { job: toInstallJobView((await db.hostInstallJob.findUnique({ where: { id: jobId } }))!) };
}
