// What the control plane's metrics read when scraped (lib/metrics/control-plane-metrics.ts): the fleet's hosts by
// status from the database (one grouped count), and the agent and browser connections open to this process.
import type { Server as SocketServer } from "socket.io";
import { db } from "@/lib/db";
import { controlPlaneMetrics } from "@/lib/metrics/control-plane-metrics";
import { AGENT_NAMESPACE } from "@/lib/protocol";

const STATUSES = ["online", "stale", "offline"] as const;

export function registerMetricsCollectors(io: SocketServer, browserNamespace: string): void {
  const metrics = controlPlaneMetrics();
  metrics.addCollector("connections", (g) => {
    g.agentConnections.set(io.of(AGENT_NAMESPACE).sockets.size);
    g.browserConnections.set(io.of(browserNamespace).sockets.size);
  });
  metrics.addCollector("hosts", async (g) => {
    const rows = await db.host.groupBy({ by: ["status"], where: { revokedAt: null }, _count: { _all: true } });
    for (const status of STATUSES) g.hosts.set({ status }, rows.find((r) => r.status === status)?._count._all ?? 0);
  });
}
