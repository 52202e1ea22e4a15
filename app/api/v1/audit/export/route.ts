// GET /api/v1/audit/export — the activity record as a file, oldest first: ?format=csv|json&who=&action=&target=&outcome=&from=&to=
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { exportActivityQuery } from "@/lib/activity/schemas";
import { exportActivity } from "@/lib/activity/export-activity";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => exportActivity(actor, parseQuery(req, exportActivityQuery)), { permission: "activity.read" });
