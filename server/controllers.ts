// The scheduler and the controllers (lib/orchestration), run by the one control-plane replica that holds the
// controllers' advisory lock (leader election on a connection of its own): started when it gets the lock, stopped when
// it loses it or the process stops. Needs the database and the Kubernetes change feed (started by the k8s gateway).
import { startLeaderElection } from "@/lib/orchestration/leader-election";
import { startControllers } from "@/lib/orchestration/start-controllers";

const log = (msg: string) => console.log(`[gantry] ${msg}`);

export interface ControllersHandle {
  close(): Promise<void>;
}

export function attachControllers(): ControllersHandle {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("the controllers need DATABASE_URL");
  const nodeSyncIntervalMs = process.env.GANTRY_NODE_SYNC_MS ? Number(process.env.GANTRY_NODE_SYNC_MS) : undefined;
  if (nodeSyncIntervalMs !== undefined && !(Number.isInteger(nodeSyncIntervalMs) && nodeSyncIntervalMs >= 100))
    throw new Error("GANTRY_NODE_SYNC_MS must be a whole number of milliseconds, at least 100");
  const election = startLeaderElection({
    connectionString,
    log,
    async lead() {
      const controllers = await startControllers({ log, nodeSyncIntervalMs });
      return () => controllers.stop();
    },
  });
  return { close: () => election.stop() };
}
