// /services?namespace= — every Service with its type, cluster IP, ports and endpoints ready/not ready, live (k8s.read).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { ServicesView } from "@/components/services/services-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Services" };

export default async function ServicesPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Services" role={actor.role} action="k8s.read" what="Reading Services" />;
  return <ServicesView canWrite={can(actor, "k8s.write")} />;
}
