// GET /api/v1/services — every Service one may read (?namespace= for one namespace) with its type, addresses, ports and
// endpoint counts.
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { listServices } from "@/lib/services/list-services";
import { listServicesQuery } from "@/lib/services/schemas";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => listServices(actor, parseQuery(req, listServicesQuery)), { permission: "k8s.read", scope: "somewhere" });
