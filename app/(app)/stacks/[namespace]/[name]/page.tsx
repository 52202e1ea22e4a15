// /stacks/{namespace}/{name} — one stack: services and status, objects, its compose source; Redeploy and Remove for
// k8s.write (k8s.read to see it).
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { getStackOrThrow } from "@/lib/stacks/get-stack-or-throw";
import { stackParams } from "@/lib/stacks/schemas";
import { NotAllowed } from "@/components/ui";
import { StackDetailView } from "@/components/stacks/stack-detail";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ namespace: string; name: string }> }): Promise<Metadata> {
  const { namespace, name } = await params;
  return { title: `Stack ${namespace}/${name}` };
}

export default async function StackPage({ params }: { params: Promise<{ namespace: string; name: string }> }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Stacks" role={actor.role} action="k8s.read" what="Reading stacks" />;
  const p = await params;
  const namespace = stackParams.namespace.safeParse(p.namespace);
  const name = stackParams.name.safeParse(p.name);
  if (!namespace.success || !name.success) notFound();
  try {
    return <StackDetailView initial={await getStackOrThrow(namespace.data, name.data)} canWrite={can(actor, "k8s.write")} />;
  } catch (e) {
    if (e instanceof GantryError && e.code === "not_found") notFound();
    throw e;
  }
}
