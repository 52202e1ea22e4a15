// GET /api/v1/hosts — one page of hosts: ?page=&pageSize=&status=online|syncing|stale|offline|revoked&q=&sort=&order=
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { ListHostsQuery, listHosts } from "@/lib/hosts/list-hosts";
import { hostIdsFor } from "@/lib/auth/policy";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => listHosts(parseQuery(req, ListHostsQuery), hostIdsFor(actor, "hosts.read")), { permission: "hosts.read", scope: "somewhere" });
