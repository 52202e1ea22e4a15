// /events?namespace= — Events, live, newest first (k8s.read).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { EventsView } from "@/components/workloads/events-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Events" };

export default async function EventsPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Events" role={actor.role} action="k8s.read" what="Reading Events" />;
  return <EventsView />;
}
