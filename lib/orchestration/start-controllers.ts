// The control plane's controllers, started together in the replica that leads (leader-election.ts): shared informers
// for Nodes, Pods, ReplicaSets, ReplicationControllers, Deployments, Services, Endpoints and EndpointSlices (one list +
// watch each), then the node sync, the scheduler, the ReplicaSet, ReplicationController and Deployment controllers, the
// node lifecycle controller and the endpoints controller.
// Everything they decide is recomputed from the objects, so starting again — after a restart or on another replica —
// picks up where the last leader stopped without touching pods that are fine. A controller whose kinds the API does not
// serve (yet) is not started.
import { resourceByKey } from "@/lib/k8s/resources";
import { systemClient } from "@/lib/k8s/system-client";
import { DeploymentController } from "./deployment-controller";
import { ENDPOINT_SLICES, ENDPOINTS, EndpointsController, sliceService } from "./endpoints-controller";
import { Informer } from "./informer";
import { NodeLifecycleController } from "./node-lifecycle-controller";
import { NodeSync } from "./node-sync";
import type { Deployment, KubeObject, Node, Pod, ReplicaSetLike } from "./objects";
import { ReplicaSetController, REPLICA_SET, REPLICATION_CONTROLLER } from "./replica-set-controller";
import { Scheduler } from "./scheduler";

export interface ControllersOptions {
  log?(msg: string): void;
  /** How often hosts are read into Nodes (GANTRY_NODE_SYNC_MS, default 1000). */
  nodeSyncIntervalMs?: number;
}

export interface Controllers {
  scheduler: Scheduler | null;
  nodeSync: NodeSync;
  informers: { nodes: Informer<Node>; pods: Informer<Pod> | null };
  stop(): Promise<void>;
}

const byNamespace = (o: KubeObject) => [o.metadata.namespace ?? ""];

interface Startable {
  start(): void;
  stop(): Promise<void>;
}

export async function startControllers(opts: ControllersOptions = {}): Promise<Controllers> {
  const log = opts.log ?? (() => {});
  const reader = systemClient("gantry-controllers");
  const served = (key: string) => !!resourceByKey(key);
  const informer = <T extends KubeObject>(key: string) => (served(key) ? new Informer<T>(reader, key, log) : null);
  const nodes = new Informer<Node>(reader, "nodes", log);
  const pods = informer<Pod>("pods");
  const replicaSets = informer<ReplicaSetLike>("apps/replicasets");
  const replicationControllers = informer<ReplicaSetLike>("replicationcontrollers");
  const deployments = informer<Deployment>("apps/deployments");
  const services = informer<KubeObject>("services");
  const endpoints = informer<KubeObject>(ENDPOINTS);
  const slices = informer<KubeObject>(ENDPOINT_SLICES);
  services?.addIndex("namespace", byNamespace);
  slices?.addIndex("service", sliceService);
  pods?.addIndex("namespace", byNamespace);
  pods?.addIndex("node", (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  replicaSets?.addIndex("namespace", byNamespace);
  replicationControllers?.addIndex("namespace", byNamespace);
  deployments?.addIndex("namespace", byNamespace);

  const nodeSync = new NodeSync(systemClient("node-controller"), nodes, { intervalMs: opts.nodeSyncIntervalMs, log });
  const scheduler = pods ? new Scheduler(systemClient("default-scheduler"), nodes, pods, { log }) : null;
  const parts: Startable[] = [];
  if (scheduler) parts.push(scheduler);
  if (pods) {
    parts.push(new NodeLifecycleController(systemClient("node-lifecycle-controller"), nodes, pods, { log }));
    if (replicaSets) parts.push(new ReplicaSetController(systemClient(REPLICA_SET.component), REPLICA_SET, replicaSets, pods, { log }));
    if (replicationControllers)
      parts.push(new ReplicaSetController(systemClient(REPLICATION_CONTROLLER.component), REPLICATION_CONTROLLER, replicationControllers, pods, { log }));
    if (deployments && replicaSets) parts.push(new DeploymentController(systemClient("deployment-controller"), deployments, replicaSets, pods, { log }));
    if (services && endpoints && slices) parts.push(new EndpointsController(systemClient("endpoint-controller"), services, pods, endpoints, slices, { log }));
  } else log("the Kubernetes API serves no Pods: only Nodes are kept (no scheduler, no controllers)");

  const informers: Array<{ start(): Promise<void>; stop(): void }> = [nodes, pods, replicaSets, replicationControllers, deployments, services, endpoints, slices].filter((i) => i !== null);
  try {
    await Promise.all(informers.map((i) => i.start()));
  } catch (e) {
    for (const i of informers) i.stop();
    throw e;
  }
  nodeSync.start();
  for (const p of parts) p.start();

  return {
    scheduler,
    nodeSync,
    informers: { nodes, pods },
    async stop() {
      await nodeSync.stop();
      await Promise.all(parts.map((p) => p.stop()));
      for (const i of informers) i.stop();
    },
  };
}
