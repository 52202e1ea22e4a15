// DELETE /api/v1/host-groups/{id}/hosts/{hostId} — take a host out of the group.
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { hostGroupIdSchema } from "@/lib/host-groups/schemas";
import { hostIdText } from "@/lib/hosts/host-id";
import { removeGroupHost } from "@/lib/host-groups/remove-group-host";

export const dynamic = "force-dynamic";

export const DELETE = withAuth<{ id: string; hostId: string }>(
  async ({ actor, params }) => removeGroupHost(actor, parseParam(hostGroupIdSchema, params.id, "host group id"), parseParam(hostIdText, params.hostId, "host id")),
  { permission: "users.manage" },
);
