// POST /api/v1/host-install-jobs/{id}/cancel — stops the job: its remote command is killed and what it installed removed.
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { installJobIdParam } from "@/lib/hosts/install-job-schemas";
import { cancelInstallJob } from "@/lib/hosts/cancel-install-job";

export const dynamic = "force-dynamic";

export const POST = withAuth(async ({ actor, params }) => cancelInstallJob(actor, parseParam(installJobIdParam, params.id, "install job id")), { permission: "hosts.install" });
