// POST /api/v1/hosts/{id}/revoke — revokes the host: its credential stops working and its connection is cut at once.
import { withAuth } from "@/lib/http/with-auth";
import { revokeHost } from "@/lib/hosts/revoke-host";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth(async ({ params }) => revokeHost(hostIdFrom(params)), { permission: "hosts.revoke", scope: "host" });
