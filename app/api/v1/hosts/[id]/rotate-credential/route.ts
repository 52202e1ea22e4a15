// POST /api/v1/hosts/{id}/rotate-credential — gives the connected host a new credential; the old one stops working once
// its agent confirms it stored the new one. The secret is never shown to anyone.
import { withAuth } from "@/lib/http/with-auth";
import { rotateHostCredential } from "@/lib/hosts/rotate-credential";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth(async ({ params }) => rotateHostCredential(hostIdFrom(params)), { permission: "hosts.rotate", scope: "host" });
