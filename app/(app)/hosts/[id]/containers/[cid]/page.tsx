// /hosts/{hostId}/containers/{cid} — one container (by id or name): inspect data, live usage, actions for operators.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireActor } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { sendCommand } from "@/lib/fleet";
import { getHostOrThrow } from "@/lib/hosts/get-host-or-throw";
import { FormAlert } from "@/components/ui";
import { ContainerDetail } from "@/components/containers/container-detail";
import { ContainerNotFound } from "@/components/containers/container-not-found";
import type { ContainerInspect } from "@/components/containers/inspect";

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
  return { title: `Container ${decoded(cid).slice(0, 64)}` };
}

export default async function ContainerPage({ params }: { params: Promise<Params> }) {
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
  let inspect: ContainerInspect;
  try {
    const outcome = await sendCommand(host.id, { kind: "container.inspect", id: container }, { actorId: actor.id });
    // Never queued (queueIfOffline is off): an offline host throws instead.
    if (outcome.status !== "done") throw new GantryError("internal", "the inspect command was queued");
    inspect = outcome.result as ContainerInspect;
  } catch (e) {
    if (!(e instanceof GantryError)) throw e;
    if (e.code === "not_found") return <ContainerNotFound hostId={host.id} hostName={host.name} container={container} />;
    // Offline, revoked, too slow, an invalid reference: said in the host's or the command's own words.
    return (
      <section aria-labelledby="container-title" className="space-y-4">
        <h1 id="container-title" className="text-xl font-semibold">
          {container}
        </h1>
        <FormAlert message={`Could not read the container: ${e.message}`} />
      </section>
    );
  }
  return (
    <ContainerDetail
      key={inspect.Id}
      hostId={host.id}
      hostName={host.name}
      initial={inspect}
      canManage={can(actor, "containers.manage")}
      canLogs={can(actor, "containers.logs")}
      canExec={can(actor, "containers.exec")}
    />
  );
}
