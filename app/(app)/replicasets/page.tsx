// /replicasets?namespace= — ReplicaSets, live (k8s.read; Create and Edit YAML for k8s.write).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { ReplicaSetsView } from "@/components/workloads/replicasets-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "ReplicaSets" };

export default async function ReplicaSetsPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="ReplicaSets" role={actor.role} action="k8s.read" what="Reading ReplicaSets" />;
  return <ReplicaSetsView canWrite={can(actor, "k8s.write")} />;
}
