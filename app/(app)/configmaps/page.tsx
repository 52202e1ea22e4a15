// /configmaps?namespace= — ConfigMaps, live (k8s.read; Create and Edit YAML for k8s.write).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { ConfigMapsView } from "@/components/workloads/config-views";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "ConfigMaps" };

export default async function ConfigMapsPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="ConfigMaps" role={actor.role} action="k8s.read" what="Reading ConfigMaps" />;
  return <ConfigMapsView canWrite={can(actor, "k8s.write")} />;
}
