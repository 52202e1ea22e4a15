// GET /api/v1/search?q= — hosts, containers and images matching q (the header's search), each kind as the caller may read.
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { searchFleet } from "@/lib/search/search-fleet";
import { searchQuery } from "@/lib/search/schemas";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => searchFleet(actor, parseQuery(req, searchQuery).q), { permission: "hosts.read", scope: "somewhere" });
