// /apply?namespace= — paste or upload YAML (one or many documents), review a server-side dry run of each with its diff,
// then apply them in order (k8s.write; others are told they may not).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { nameErrors } from "@/lib/k8s/meta";
import { NotAllowed } from "@/components/ui";
import { ApplyView } from "@/components/yaml/apply-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Apply YAML" };

export default async function ApplyPage({ searchParams }: { searchParams: Promise<{ namespace?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("k8s.write");
  if (!allowed) return <NotAllowed title="Apply YAML" role={actor.role} action="k8s.write" what="Creating and changing objects from YAML" />;
  const raw = (await searchParams).namespace;
  const namespace = typeof raw === "string" && raw !== "all" && nameErrors("dns1123-label", raw).length === 0 ? raw : null;
  return <ApplyView namespace={namespace} />;
}
