// A host's state as a badge whose text says it (colour is never the only signal).
import { Badge, type BadgeTone } from "@/components/ui";
import type { HostView } from "@/lib/hosts/host-view";

const TONE: Record<HostView["status"], BadgeTone> = { online: "success", stale: "warning", offline: "neutral" };

export function HostStatusBadge({ host }: { host: Pick<HostView, "status" | "revoked"> }) {
  if (host.revoked) {
    return (
      <Badge tone="danger" data-status="revoked">
        revoked
      </Badge>
    );
  }
  return (
    <Badge tone={TONE[host.status]} data-status={host.status}>
      <span aria-hidden className="mr-1">
        {host.status === "online" ? "●" : host.status === "stale" ? "◐" : "○"}
      </span>
      {host.status}
    </Badge>
  );
}
