// /hosts/{hostId}/containers/{cid}/terminal — an interactive shell in a container (containers.exec). Those without the
// permission are told so plainly instead of getting a terminal; the exec socket refuses them again on its own.
import { can } from "@/lib/auth/policy";
import { FormAlert } from "@/components/ui";
import { TerminalView } from "@/components/terminal/terminal-view";
import { containerTitle, loadContainerRoute, type ContainerRouteParams } from "../container-route";

export const dynamic = "force-dynamic";

export const generateMetadata = ({ params }: { params: ContainerRouteParams }) => containerTitle(params, "Terminal: ");

export default async function TerminalPage({ params }: { params: ContainerRouteParams }) {
  const { actor, host, container } = await loadContainerRoute(params);
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
