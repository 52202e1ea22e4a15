// /services?namespace= — every Service with its type, cluster IP, ports and endpoints ready/not ready (k8s.read).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { listServices } from "@/lib/services/list-services";
import { listServicesQuery } from "@/lib/services/schemas";
import { NotAllowed } from "@/components/ui";
import { ServicesView } from "@/components/services/services-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Services" };

export default async function ServicesPage({ searchParams }: { searchParams: Promise<{ namespace?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Services" role={actor.role} action="k8s.read" what="Reading Services" />;
  const raw = (await searchParams).namespace;
  const wanted = listServicesQuery.safeParse({ namespace: typeof raw === "string" && raw ? raw : undefined });
  const namespace = wanted.success ? (wanted.data.namespace ?? null) : null;
  const initial = await listServices({ namespace: namespace ?? undefined });
  return <ServicesView initial={initial} namespace={namespace} />;
}
