// /fleet-map?namespace=&selector= — hosts × pods, live (k8s.read).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { FleetMapView } from "@/components/workloads/fleet-map-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Fleet map" };

export default async function FleetMapPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Fleet map" role={actor.role} action="k8s.read" what="Reading the fleet map" />;
  return <FleetMapView />;
}
