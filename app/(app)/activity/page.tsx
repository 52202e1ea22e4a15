// /activity?who=&action=&target=&outcome=&from=&to=&page= — the audit page for those who may read the activity record
// (activity.read): newest first, each row in words (who did what, on which names, how it ended), filtered, paged on
// the server; live, exported and verified from the page (components/activity/activity-view.tsx).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { listActivity } from "@/lib/activity/list-activity";
import { listActivityQuery } from "@/lib/activity/schemas";
import { NotAllowed } from "@/components/ui";
import { ActivityView, type ActivityFilterValues } from "@/components/activity/activity-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Activity" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ActivityPage({ searchParams }: { searchParams: SearchParams }) {
  const { actor, allowed } = await pageAccess("activity.read");
  if (!allowed) return <NotAllowed title="Activity" role={actor.role} action="activity.read" what="The activity record" />;
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  // A hand-edited URL with a bad parameter shows the first page of everything and says so, rather than an error page.
  const parsed = listActivityQuery.safeParse({ pageSize: "50", ...raw });
  const query = parsed.success ? parsed.data : listActivityQuery.parse({ pageSize: "50" });
  const page = await listActivity(actor, query);
  const given = (k: keyof ActivityFilterValues) => (parsed.success ? (raw[k] ?? "") : "");
  const filters: ActivityFilterValues = { who: given("who"), action: given("action"), target: given("target"), outcome: given("outcome"), from: given("from"), to: given("to") };
  return (
    <ActivityView
      key={JSON.stringify(raw)}
      page={page}
      filters={filters}
      notice={parsed.success ? undefined : "Some filters in the address were not understood; showing everything."}
    />
  );
}
