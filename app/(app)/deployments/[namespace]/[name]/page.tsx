// /deployments/{namespace}/{name} — one Deployment, live (k8s.read); its actions for those with k8s.write.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { can } from "@/lib/auth/policy";
import { pageAccess } from "@/lib/auth/current-actor";
import { listHostRefs } from "@/lib/hosts/list-host-refs";
import { workloadParams } from "@/lib/workloads/params";
import { NotAllowed } from "@/components/ui";
import { DeploymentDetailView } from "@/components/workloads/deployment-detail";

export const dynamic = "force-dynamic";

type Params = Promise<{ namespace: string; name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { namespace, name } = await params;
  return { title: `Deployment ${decodeURIComponent(namespace)}/${decodeURIComponent(name)}` };
}

export default async function DeploymentPage({ params }: { params: Params }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Deployments" role={actor.role} action="k8s.read" what="Reading Deployments" />;
  const p = workloadParams(await params);
  if (!p) notFound();
  return (
    <DeploymentDetailView
      namespace={p.namespace}
      name={p.name}
      hosts={await listHostRefs()}
      canWrite={can(actor, "k8s.write")}
      canLogs={can(actor, "containers.logs")}
      renderedAt={Date.now()}
    />
  );
}
