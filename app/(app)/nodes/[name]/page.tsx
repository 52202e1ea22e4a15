// /nodes/{name} — one host as a Node with its pods, live (k8s.read); Cordon, Uncordon and Drain for k8s.write.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { kubeObjectParams } from "@/lib/workloads/params";
import { NotAllowed } from "@/components/ui";
import { NodeDetail } from "@/components/workloads/node-detail";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: `Node ${(await params).name}` };
}

export default async function NodePage({ params }: { params: Promise<{ name: string }> }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Nodes" role={actor.role} action="k8s.read" what="Reading Nodes" />;
  const name = kubeObjectParams.name.safeParse((await params).name);
  if (!name.success) notFound();
  return <NodeDetail name={name.data} canWrite={can(actor, "k8s.write")} />;
}
