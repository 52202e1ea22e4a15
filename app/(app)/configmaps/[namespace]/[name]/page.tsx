// /configmaps/{namespace}/{name} — one ConfigMap, live (k8s.read).
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { kubeObjectParams as objectParams } from "@/lib/workloads/params";
import { NotAllowed } from "@/components/ui";
import { ConfigMapDetail } from "@/components/workloads/config-detail";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ namespace: string; name: string }> }): Promise<Metadata> {
  const { namespace, name } = await params;
  return { title: `ConfigMap ${namespace}/${name}` };
}

export default async function ConfigMapPage({ params }: { params: Promise<{ namespace: string; name: string }> }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="ConfigMaps" role={actor.role} action="k8s.read" what="Reading ConfigMaps" />;
  const p = await params;
  const namespace = objectParams.namespace.safeParse(p.namespace);
  const name = objectParams.name.safeParse(p.name);
  if (!namespace.success || !name.success) notFound();
  return <ConfigMapDetail namespace={namespace.data} name={name.data} canWrite={can(actor, "k8s.write")} />;
}
