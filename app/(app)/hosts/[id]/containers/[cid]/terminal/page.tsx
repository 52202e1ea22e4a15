// /hosts/{hostId}/containers/{cid}/terminal — an interactive shell in a container (containers.exec). Those without the
// permission are told so plainly instead of getting a terminal; the exec socket refuses them again on its own.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireActor } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { getHostOrThrow } from "@/lib/hosts/get-host-or-throw";
import { FormAlert } from "@/components/ui";
import { TerminalView } from "@/components/terminal/terminal-view";

export const dynamic = "force-dynamic";

type Params = { id: string; cid: string };

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { cid } = await params;
  return { title: `Terminal: ${decoded(cid).slice(0, 64)}` };
}

export default async function TerminalPage({ params }: { params: Promise<Params> }) {
  const actor = await requireActor("containers.read");
  const { id, cid } = await params;
  const container = decoded(cid);
  if (!/^[1-9][0-9]{0,9}$/.test(id) || container.length === 0 || container.length > 256) notFound();
  let host;
  try {
    host = await getHostOrThrow(Number(id));
  } catch (e) {
    if (e instanceof GantryError && e.code === "not_found") notFound();
    throw e;
  }
  if (!can(actor, "containers.exec")) {
    return (
      <section aria-labelledby="terminal-title" className="space-y-4">
        <h1 id="terminal-title" className="text-xl font-semibold">
          Terminal: {container} on {host.name}
        </h1>
        <FormAlert message={`You may not open a terminal: your role (${actor.role}) does not allow containers.exec.`} />
      </section>
    );
  }
  return <TerminalView hostId={host.id} hostName={host.name} container={container} />;
}
