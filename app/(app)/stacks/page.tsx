// /stacks?namespace= — every compose stack with its services' status (k8s.read); "Deploy a stack" for k8s.write.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { canSomewhere } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { notFound } from "next/navigation";
import { listStacks } from "@/lib/stacks/list-stacks";
import { listStacksQuery } from "@/lib/stacks/schemas";
import { NotAllowed } from "@/components/ui";
import { StacksView } from "@/components/stacks/stacks-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Stacks" };

export default async function StacksPage({ searchParams }: { searchParams: Promise<{ namespace?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Stacks" role={actor.role} action="k8s.read" what="Reading stacks" />;
  const raw = (await searchParams).namespace;
  const all = raw === "all";
  const wanted = listStacksQuery.safeParse({ namespace: typeof raw === "string" && raw && !all ? raw : undefined });
  const namespace = all ? "all" : wanted.success ? (wanted.data.namespace ?? null) : null;
  const initial = await listStacks(actor, { namespace: namespace && namespace !== "all" ? namespace : undefined }).catch((e: unknown) => {
    if (e instanceof GantryError && e.code === "not_found") notFound();
    throw e;
  });
  return <StacksView initial={initial.items} namespace={namespace} canWrite={canSomewhere(actor, "k8s.write")} />;
}
