// /deployments?namespace= — Deployments, live (k8s.read; Create and Edit YAML for k8s.write).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { DeploymentsView } from "@/components/workloads/deployments-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Deployments" };

export default async function DeploymentsPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Deployments" role={actor.role} action="k8s.read" what="Reading Deployments" />;
  return <DeploymentsView canWrite={can(actor, "k8s.write")} />;
}
