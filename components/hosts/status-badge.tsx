// A host's state as a badge whose text says it (colour is never the only signal). A host whose inventory is being
// synced says "syncing", or "out of sync" when its last page could not be recorded (the host page says why).
import { Badge, type BadgeTone } from "@/components/ui";
import type { HostView } from "@/lib/hosts/host-view";

const TONE: Record<HostView["status"], BadgeTone> = { online: "success", syncing: "warning", stale: "warning", offline: "neutral" };
const MARK: Record<HostView["status"], string> = { online: "●", syncing: "◒", stale: "◐", offline: "○" };

export function HostStatusBadge({ host }: { host: Pick<HostView, "status" | "revoked"> & { inventory?: HostView["inventory"] } }) {
  if (host.revoked) {
    return (
      <Badge tone="danger" data-status="revoked">
        revoked
      </Badge>
    );
  }
  const outOfSync = host.status === "syncing" && !!host.inventory?.error;
  return (
    <Badge tone={TONE[host.status]} data-status={host.status} title={outOfSync ? `out of sync: ${host.inventory!.error}` : undefined}>
      <span aria-hidden className="mr-1">
        {MARK[host.status]}
      </span>
      {outOfSync ? "out of sync" : host.status}
    </Badge>
  );
}
