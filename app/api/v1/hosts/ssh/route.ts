// POST /api/v1/hosts/ssh — adds a host over SSH: 202 with the install job (follow it at /api/v1/host-install-jobs/{id}).
// The key, passphrase and password are used for the job in memory and never stored.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { requestOrigin } from "@/lib/http/request-origin";
import { addHostOverSshBody } from "@/lib/hosts/install-job-schemas";
import { startInstallJob } from "@/lib/hosts/start-install-job";

export const dynamic = "force-dynamic";

export const POST = withAuth(async ({ req, actor }) => startInstallJob(actor, await parseJson(req, addHostOverSshBody), requestOrigin(req)), {
  permission: "hosts.install",
  status: 202,
});
