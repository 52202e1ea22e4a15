// /hosts/{hostId}/containers/{cid}/terminal — an interactive shell in a container (containers.exec). Those without the
// permission are told so (components/ui NotAllowed) instead of getting a terminal; the exec socket refuses them again on its own.
import { can } from "@/lib/auth/policy";
import { NotAllowed } from "@/components/ui";
import { TerminalView } from "@/components/terminal/terminal-view";
import { containerTitle, loadContainerRoute, type ContainerRouteParams } from "../container-route";

export const dynamic = "force-dynamic";

export const generateMetadata = ({ params }: { params: ContainerRouteParams }) => containerTitle(params, "Terminal: ");

export default async function TerminalPage({ params }: { params: ContainerRouteParams }) {
  const { actor, host, container } = await loadContainerRoute(params);
  if (!can(actor, "containers.exec")) {
    return <NotAllowed title={`Terminal: ${container} on ${host.name}`} role={actor.role} action="containers.exec" what="A terminal in a container" />;
  }
  return <TerminalView hostId={host.id} hostName={host.name} container={container} />;
}
