// GET /api/v1/activity — the activity record, newest first: ?page=&pageSize=&userId=&action=
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery } from "@/lib/http/parse";
import { listActivityQuery } from "@/lib/activity/schemas";
import { listActivity } from "@/lib/activity/list-activity";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => listActivity(actor, parseQuery(req, listActivityQuery)), { permission: "activity.read" });
