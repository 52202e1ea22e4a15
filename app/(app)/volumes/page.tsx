// /volumes?host={hostId} — one host's volumes: size, the containers using each; create, remove and prune for
// containers.manage (through /api/v1/hosts/{id}/volumes).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can, hostIdsFor } from "@/lib/auth/policy";
import { listHostOptions } from "@/lib/hosts/list-host-options";
import { NotAllowed } from "@/components/ui";
import { VolumesView } from "@/components/volumes/volumes-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Volumes" };

export default async function VolumesPage({ searchParams }: { searchParams: Promise<{ host?: string | string[] }> }) {
  const { actor, allowed } = await pageAccess("containers.read");
  if (!allowed) return <NotAllowed title="Volumes" role={actor.role} action="containers.read" what="Reading volumes" />;
  const { hosts, initialHostId } = await listHostOptions((await searchParams).host, hostIdsFor(actor, "containers.read"));
  return <VolumesView hosts={hosts} initialHostId={initialHostId} canManage={can(actor, "containers.manage")} />;
}
