// /secrets?namespace= — Secrets, live (k8s.read; Create and Edit YAML for k8s.write).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { SecretsView } from "@/components/workloads/config-views";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Secrets" };

export default async function SecretsPage() {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Secrets" role={actor.role} action="k8s.read" what="Reading Secrets" />;
  return <SecretsView canWrite={can(actor, "k8s.write")} />;
}
