// POST /api/v1/host-groups/{id}/hosts {hostIds} — put hosts into the group (a host may be in several).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { groupHostsSchema, hostGroupIdSchema } from "@/lib/host-groups/schemas";
import { addGroupHosts } from "@/lib/host-groups/add-group-hosts";

export const dynamic = "force-dynamic";

export const POST = withAuth<{ id: string }>(
  async ({ req, actor, params }) => addGroupHosts(actor, parseParam(hostGroupIdSchema, params.id, "host group id"), await parseJson(req, groupHostsSchema)),
  { permission: "users.manage" },
);
