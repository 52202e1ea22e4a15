// /hosts/{hostId}/containers/{cid} — one container (by id or name): inspect data, live usage, actions for operators.
import { can } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { inspectContainer } from "@/lib/containers/inspect-container";
import { FormAlert } from "@/components/ui";
import { ContainerDetail } from "@/components/containers/container-detail";
import { ContainerNotFound } from "@/components/containers/container-not-found";
import type { ContainerInspect } from "@/components/containers/inspect";
import { containerTitle, loadContainerRoute, type ContainerRouteParams } from "./container-route";

export const dynamic = "force-dynamic";

export const generateMetadata = ({ params }: { params: ContainerRouteParams }) => containerTitle(params, "Container ");

export default async function ContainerPage({ params }: { params: ContainerRouteParams }) {
  const { actor, host, container } = await loadContainerRoute(params);
  let inspect: ContainerInspect;
  try {
    inspect = (await inspectContainer(actor, host.id, container)) as ContainerInspect;
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
      canManage={can(actor, "containers.manage", { hostId: host.id })}
      canLogs={can(actor, "containers.logs", { hostId: host.id })}
      // Terminals are asked fleet-wide still (server/browser-exec.ts): shown only where they would open.
      canExec={can(actor, "containers.exec")}
    />
  );
}
