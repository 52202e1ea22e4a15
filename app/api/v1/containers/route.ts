// GET /api/v1/containers — containers across the fleet from the inventory: ?host=&state=&image=&label=&name=&sort=&page=&pageSize=
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { listContainers } from "@/lib/fleet";
import { hostIdsFor } from "@/lib/auth/policy";
import { listFleetContainersQuery } from "@/lib/fleet-api/schemas";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ req, actor }) => {
    const { host, ...q } = parseQuery(req, listFleetContainersQuery);
    const { items, total } = await listContainers({ ...q, hostId: host, visibleHostIds: hostIdsFor(actor, "containers.read") });
    return { items, total, page: q.page, pageSize: q.pageSize, pageCount: Math.max(1, Math.ceil(total / q.pageSize)) };
  },
  { permission: "containers.read", scope: "somewhere" },
);
