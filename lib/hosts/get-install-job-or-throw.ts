// One install job (GET /api/v1/host-install-jobs/{id}), as its steps stand now.
import { authorize, type Actor } from "@/lib/auth/policy";
import { db } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { toInstallJobView, type InstallJobView } from "./install-job-schemas";

export async function getInstallJobOrThrow(actor: Actor, jobId: string): Promise<{ job: InstallJobView }> {
  authorize(actor, "hosts.install");
  const row = await db.hostInstallJob.findUnique({ where: { id: jobId } });
  if (!row) throw notFound(`install job ${jobId}`);
  return { job: toInstallJobView(row) };
}
