// / — the fleet at a glance: hosts by status, containers by state, recent failures, hosts short of disk.
import { hostIdsFor } from "@/lib/auth/policy";
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { getFleetOverview } from "@/lib/fleet/get-fleet-overview";
import { FleetOverviewView } from "@/components/home/fleet-overview-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Home" };

export default async function HomePage() {
  const { actor, allowed } = await pageAccess("hosts.read");
  if (!allowed) return <NotAllowed title="Home" role={actor.role} action="hosts.read" what="Seeing the fleet" />;
  return <FleetOverviewView overview={await getFleetOverview(hostIdsFor(actor, "hosts.read"))} />;
}
