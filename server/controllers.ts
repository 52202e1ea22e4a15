// The scheduler and the controllers (lib/orchestration), run by the one control-plane replica that holds the
// controllers' advisory lock (leader election on a connection of its own): started when it gets the lock, stopped when
// it loses it or the process stops. Needs the database and the Kubernetes change feed (started by the k8s gateway).
// GANTRY_CONTROLLERS=off makes a replica that serves the API only and never campaigns (tests of the API machinery
// alone use it too).
import { startLeaderElection } from "@/lib/orchestration/leader-election";
import { startControllers } from "@/lib/orchestration/start-controllers";
import { controlPlaneMetrics } from "@/lib/metrics/control-plane-metrics";

const log = (msg: string) => console.log(`[gantry] ${msg}`);

export interface ControllersHandle {
  close(): Promise<void>;
}

export function attachControllers(opts: { enabled: boolean; nodeSyncMs: number }): ControllersHandle {
  if (!opts.enabled) {
    log("GANTRY_CONTROLLERS=off: this replica runs no scheduler or controllers");
    return { close: async () => {} };
  }
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("the controllers need DATABASE_URL");
  const election = startLeaderElection({
    connectionString,
    log,
    async lead() {
      const controllers = await startControllers({ log, nodeSyncIntervalMs: opts.nodeSyncMs });
      // Only the leader schedules: its queue is the fleet's (another replica reports 0).
      controlPlaneMetrics().addCollector("scheduler", (g) => void g.schedulerPendingPods.set(controllers.scheduler?.pending() ?? 0));
      return () => {
        controlPlaneMetrics().addCollector("scheduler", (g) => void g.schedulerPendingPods.set(0));
        return controllers.stop();
      };
    },
  });
  return { close: () => election.stop() };
}
