// Revokes a host: its credential stops working at once, its open connection is cut, and it shows as revoked. Its pod
// CIDR is freed (the other hosts' overlays drop it: server/network-dispatch.ts).
// Revoking twice is harmless and keeps the first revocation time.
import { db } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { AGENT_NAMESPACE, agentRoom } from "@/lib/protocol";
import { serverContext } from "@/lib/server-context";
import { HOST_VIEW_SELECT, toHostView, type HostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";
import { noteActivity } from "@/lib/activity/activity-note";

export async function revokeHost(id: number, now = new Date()): Promise<HostView> {
  const rows = await db.host.updateManyAndReturn({
    where: { id, revokedAt: null },
    data: { revokedAt: now, status: "offline", statusChangedAt: now, connectedAt: null, podCIDR: null },
    select: HOST_VIEW_SELECT,
  });
  if (!rows[0]) {
    const existing = await db.host.findUnique({ where: { id }, select: HOST_VIEW_SELECT });
    if (!existing) throw notFound(`host ${id}`);
    noteActivity({ verb: "revoke", object: `host ${existing.name}`, extra: "(already revoked)" });
    cutConnection(id);
    return toHostView(existing);
  }
  cutConnection(id);
  const view = toHostView(rows[0]);
  noteActivity({ verb: "revoke", object: `host ${view.name}` });
  publishHostEvent("revoked", view);
  return view;
}

function cutConnection(id: number) {
  const io = serverContext.maybe()?.io;
  if (!io) return;
  const room = io.of(AGENT_NAMESPACE).to(agentRoom(id));
  room.emit("revoked", { reason: `host ${id} was revoked by an administrator` });
  io.of(AGENT_NAMESPACE).in(agentRoom(id)).disconnectSockets(true);
}
