// /nodes — the hosts as Nodes, live (k8s.read; Edit YAML for k8s.write).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { NodesView } from "@/components/workloads/nodes-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Nodes" };

export default async function NodesPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Nodes" role={actor.role} action="k8s.read" what="Reading Nodes" />;
  return <NodesView canWrite={can(actor, "k8s.write")} />;
}
