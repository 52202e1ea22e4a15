// /images?host={hostId} — one host's images (default: the first online host); pull, tag and remove for images.manage.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { can, hostIdsFor } from "@/lib/auth/policy";
import { listHosts } from "@/lib/hosts/list-hosts";
import { ImagesView } from "@/components/images/images-view";
import type { HostOption } from "@/components/images/api";
import { parseHostId } from "@/lib/hosts/host-id";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Images" };

export default async function ImagesPage({ searchParams }: { searchParams: Promise<{ host?: string | string[] }> }) {
  // A user whose roles reach no host (role none, no binding) is told so, not shown a server error.
  const { actor, allowed } = await pageAccess("images.read");
  if (!allowed) return <NotAllowed title="Images" role={actor.role} action="images.read" what="Seeing images" />;
  const { host } = await searchParams;
  const { items } = await listHosts({ pageSize: 200, sort: "id" }, hostIdsFor(actor, "images.read"));
  const hosts: HostOption[] = items.filter((h) => !h.revoked).map((h) => ({ id: h.id, name: h.name, status: h.status }));
  const asked = parseHostId(host);
  const initial = hosts.find((h) => h.id === asked) ?? hosts.find((h) => h.status === "online" || h.status === "syncing") ?? hosts[0] ?? null;
  return <ImagesView hosts={hosts} initialHostId={initial?.id ?? null} canManage={can(actor, "images.manage")} canRun={can(actor, "containers.run")} />;
}
