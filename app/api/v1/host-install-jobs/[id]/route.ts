// GET /api/v1/host-install-jobs/{id} — one install job: its state, steps with their output, the host it made.
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { installJobIdParam } from "@/lib/hosts/install-job-schemas";
import { getInstallJobOrThrow } from "@/lib/hosts/get-install-job-or-throw";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ actor, params }) => getInstallJobOrThrow(actor, parseParam(installJobIdParam, params.id, "install job id")), { permission: "hosts.install" });
