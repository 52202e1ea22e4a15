// /edit?apiVersion=&kind=&namespace=&name= — one object's YAML, edited and saved as an update that carries the version
// it was loaded at (a change someone made meanwhile is a conflict, shown with its diff). Read-only without k8s.write.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { EditView } from "@/components/yaml/edit-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Edit YAML" };

type Query = { apiVersion?: string | string[]; kind?: string | string[]; namespace?: string | string[]; name?: string | string[] };
const one = (v: string | string[] | undefined) => (typeof v === "string" && v.length > 0 && v.length <= 253 ? v : null);

export default async function EditPage({ searchParams }: { searchParams: Promise<Query> }) {
  const { actor, allowed } = await pageAccess("k8s.read");
  if (!allowed) return <NotAllowed title="Edit YAML" role={actor.role} action="k8s.read" what="Reading Kubernetes objects" />;
  const q = await searchParams;
  const apiVersion = one(q.apiVersion);
  const kind = one(q.kind);
  const name = one(q.name);
  if (!apiVersion || !kind || !name) notFound();
  return <EditView apiVersion={apiVersion} kind={kind} namespace={one(q.namespace)} name={name} canWrite={can(actor, "k8s.write")} role={actor.role} />;
}
