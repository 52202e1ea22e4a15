// /pods?namespace= — every pod, live (k8s.read; Create and Edit YAML for k8s.write).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { PodsView } from "@/components/workloads/pods-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Pods" };

export default async function PodsPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Pods" role={actor.role} action="k8s.read" what="Reading pods" />;
  return <PodsView canWrite={can(actor, "k8s.write")} />;
}
