// POST /api/v1/host-install-jobs/{id}/confirm-host-key {fingerprint} — pins the host key the target presented; the job goes on.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { confirmHostKeyBody, installJobIdParam } from "@/lib/hosts/install-job-schemas";
import { confirmInstallHostKey } from "@/lib/hosts/confirm-install-host-key";

export const dynamic = "force-dynamic";

export const POST = withAuth(
  async ({ req, actor, params }) => {
    const id = parseParam(installJobIdParam, params.id, "install job id");
    return confirmInstallHostKey(actor, id, (await parseJson(req, confirmHostKeyBody)).fingerprint);
  },
  { permission: "hosts.install" },
);
