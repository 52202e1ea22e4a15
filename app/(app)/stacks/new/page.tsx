// /stacks/new?namespace= — deploy a compose file as a stack: name, namespace, the file and its env files, a preview of
// what it becomes, then Deploy (k8s.write).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { listStacksQuery } from "@/lib/stacks/schemas";
import { NotAllowed } from "@/components/ui";
import { StackForm } from "@/components/stacks/stack-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Deploy a stack" };

export default async function NewStackPage({ searchParams }: { searchParams: Promise<{ namespace?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("k8s.write");
  if (!allowed) return <NotAllowed title="Deploy a stack" role={actor.role} action="k8s.write" what="Deploying stacks" />;
  const raw = (await searchParams).namespace;
  const ns = listStacksQuery.safeParse({ namespace: typeof raw === "string" && raw ? raw : undefined });
  return (
    <section aria-labelledby="new-stack-title" className="space-y-6">
      <div>
        <h1 id="new-stack-title" className="text-xl font-semibold">
          Deploy a stack
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          A docker-compose file becomes Deployments and Services labelled as one stack. Preview shows every object and every key that is not carried over before anything is deployed.
        </p>
      </div>
      <StackForm mode="new" initial={{ name: "", namespace: (ns.success ? ns.data.namespace : undefined) ?? "default", compose: "", envFiles: {} }} />
    </section>
  );
}
