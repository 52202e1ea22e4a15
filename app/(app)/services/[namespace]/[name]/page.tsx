// /services/{namespace}/{name} — one Service and the pods behind it with their hosts (k8s.read).
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { pageAccess } from "@/lib/auth/current-actor";
import { GantryError } from "@/lib/errors";
import { getServiceOrThrow } from "@/lib/services/get-service-or-throw";
import { serviceParams } from "@/lib/services/schemas";
import { NotAllowed } from "@/components/ui";
import { ServiceDetailView } from "@/components/services/service-detail";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ namespace: string; name: string }> }): Promise<Metadata> {
  const { namespace, name } = await params;
  return { title: `Service ${namespace}/${name}` };
}

export default async function ServicePage({ params }: { params: Promise<{ namespace: string; name: string }> }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Services" role={actor.role} action="k8s.read" what="Reading Services" />;
  const p = await params;
  const namespace = serviceParams.namespace.safeParse(p.namespace);
  const name = serviceParams.name.safeParse(p.name);
  if (!namespace.success || !name.success) notFound();
  try {
    return <ServiceDetailView initial={await getServiceOrThrow(namespace.data, name.data)} />;
  } catch (e) {
    if (e instanceof GantryError && e.code === "not_found") notFound();
    throw e;
  }
}
