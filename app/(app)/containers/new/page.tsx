// /containers/new?host={hostId}&image={ref} — the run-a-container form (containers.manage; others are told so).
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { listHosts } from "@/lib/hosts/list-hosts";
import { RunForm } from "@/components/run-form/run-form";
import type { HostOption } from "@/components/images/api";
import { parseHostId } from "@/lib/hosts/host-id";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Run a container" };

type Search = { host?: string | string[]; image?: string | string[] };

export default async function NewContainerPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { actor, allowed } = await pageAccess("containers.manage");
  if (!allowed) return <NotAllowed title="Run a container" role={actor.role} action="containers.manage" what="Running a container" />;
  const { host, image } = await searchParams;
  const { items } = await listHosts({ pageSize: 200, sort: "id" });
  const hosts: HostOption[] = items.filter((h) => !h.revoked).map((h) => ({ id: h.id, name: h.name, status: h.status }));
  const asked = parseHostId(host);
  const initial = hosts.find((h) => h.id === asked) ?? hosts.find((h) => h.status === "online" || h.status === "syncing") ?? null;
  const initialImage = typeof image === "string" ? image.slice(0, 512) : "";
  return <RunForm hosts={hosts} initialHostId={initial?.id ?? null} initialImage={initialImage} />;
}
