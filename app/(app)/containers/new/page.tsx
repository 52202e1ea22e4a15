// /containers/new?host={hostId}&image={ref} — the run-a-container form (containers.manage; others are told so).
// &from={container} — Duplicate: the form filled from that container on the host (lib/run-form/from-inspect.ts);
// with &edit=1 — Edit: the same, under its own name, offering to replace it (POST …/recreate: kept aside until the
// form's runs, put back if it cannot).
import { hostIdsFor, can } from "@/lib/auth/policy";
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { listHosts } from "@/lib/hosts/list-hosts";
import { RunForm } from "@/components/run-form/run-form";
import type { HostOption } from "@/components/images/api";
import { parseHostId } from "@/lib/hosts/host-id";
import { inspectContainer } from "@/lib/containers/inspect-container";
import { containerName } from "@/components/containers/inspect";
import { runFormFromInspect } from "@/lib/run-form/from-inspect";
import type { ContainerInspect } from "@/lib/protocol/results";
import { GantryError } from "@/lib/errors";
import { nameBeforeAside } from "@/lib/containers/aside-name";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Run a container" };

type Search = { host?: string | string[]; image?: string | string[]; from?: string | string[]; edit?: string | string[] };

export default async function NewContainerPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { actor, allowed } = await pageAccess("containers.run");
  if (!allowed) return <NotAllowed title="Run a container" role={actor.role} action="containers.run" what="Running a container" />;
  const { host, image, from, edit } = await searchParams;
  const { items } = await listHosts({ pageSize: 200, sort: "id" }, hostIdsFor(actor, "containers.run"));
  const hosts: HostOption[] = items.filter((h) => !h.revoked).map((h) => ({ id: h.id, name: h.name, status: h.status }));
  const asked = parseHostId(host);
  const initial = hosts.find((h) => h.id === asked) ?? hosts.find((h) => h.status === "online" || h.status === "syncing") ?? null;
  const initialImage = typeof image === "string" ? image.slice(0, 512) : "";
  if (initial && typeof from === "string" && from) {
    let filled: ReturnType<typeof runFormFromInspect> | null = null;
    let problem: string | null = null;
    let replacing: { hostId: number; id: string; name: string } | undefined;
    try {
      const c = (await inspectContainer(actor, initial.id, from.slice(0, 256))) as ContainerInspect;
      const name = containerName(c);
      // A container a recreate set aside and could not finish with is edited back under its first name.
      const first = nameBeforeAside(name, c.Id) ?? name;
      filled = runFormFromInspect(c, edit === "1" ? first : `${first}-copy`);
      // Replacing it also stops, renames and removes the original: containers.manage on its host.
      if (edit === "1" && can(actor, "containers.manage", { hostId: initial.id })) replacing = { hostId: initial.id, id: c.Id, name };
    } catch (e) {
      if (!(e instanceof GantryError)) throw e;
      problem = `The form could not be filled from container ${from.slice(0, 64)}: ${e.message}`;
    }
    const notice = filled
      ? (replacing
          ? `Filled from ${replacing.name}: change what you need; it is replaced when you run this.`
          : `Filled from ${filled.values.name.replace(/-copy$/, "")}: change what you need and run the copy.`) +
        (filled.withheldEnv.length ? ` The values of ${filled.withheldEnv.join(", ")} were withheld: type them again.` : "")
      : problem!;
    return <RunForm hosts={hosts} initialHostId={initial.id} initialImage={initialImage} initialValues={filled?.values} initialNotice={notice} replacing={replacing} />;
  }
  return <RunForm hosts={hosts} initialHostId={initial?.id ?? null} initialImage={initialImage} />;
}
