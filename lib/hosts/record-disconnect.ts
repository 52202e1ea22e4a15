// An agent's connection closed. An agent that said goodbye (it closed its connection itself: stopped, uninstalled)
// is offline at once — the control plane knows it is gone. Any other loss (a network blip, a connection cut, the
// agent's process killed) leaves the status to the heartbeat sweep (online → stale → offline as the grace runs out),
// so a short interruption does not flap the host; only "connected" changes now.
// `helloAt` is when this connection's hello was recorded (the host's connectedAt then): a newer connection that
// said hello meanwhile has its own, and is never marked by the old connection's end.
import { db } from "@/lib/db";
import { HOST_VIEW_SELECT, toHostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

export async function recordDisconnect(hostId: number, helloAt: Date | null, opts: { goodbye: boolean; now?: Date }): Promise<void> {
  if (!helloAt) return; // no hello on this connection: nothing was recorded for it
  const now = opts.now ?? new Date();
  if (opts.goodbye) {
    const gone = await db.host.updateManyAndReturn({
      where: { id: hostId, connectedAt: helloAt, status: { not: "offline" } },
      data: { connectedAt: null, status: "offline", statusChangedAt: now },
      select: HOST_VIEW_SELECT,
    });
    if (gone[0]) return publishHostEvent("status", toHostView(gone[0]));
  }
  const rows = await db.host.updateManyAndReturn({
    where: { id: hostId, connectedAt: helloAt },
    data: { connectedAt: null },
    select: HOST_VIEW_SELECT,
  });
  if (rows[0]) publishHostEvent("updated", toHostView(rows[0]));
}
