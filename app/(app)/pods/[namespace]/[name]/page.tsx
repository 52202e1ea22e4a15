// /pods/{namespace}/{name} — one pod, live (k8s.read); its logs (containers.logs), terminal (containers.exec) and
// delete (k8s.write) for those with the rights.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { can } from "@/lib/auth/policy";
import { pageAccess } from "@/lib/auth/current-actor";
import { listHostRefs } from "@/lib/hosts/list-host-refs";
import { workloadParams } from "@/lib/workloads/params";
import { NotAllowed } from "@/components/ui";
import { PodDetailView } from "@/components/workloads/pod-detail";

export const dynamic = "force-dynamic";

type Params = Promise<{ namespace: string; name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { namespace, name } = await params;
  return { title: `Pod ${decodeURIComponent(namespace)}/${decodeURIComponent(name)}` };
}

export default async function PodPage({ params }: { params: Params }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Pods" role={actor.role} action="k8s.read" what="Reading pods" />;
  const p = workloadParams(await params);
  if (!p) notFound();
  return (
    <PodDetailView
      namespace={p.namespace}
      name={p.name}
      hosts={await listHostRefs()}
      canWrite={can(actor, "k8s.write")}
      canLogs={can(actor, "containers.logs")}
      canExec={can(actor, "containers.exec")}
      renderedAt={Date.now()}
    />
  );
}
