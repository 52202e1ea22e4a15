// What happens to pods when their node goes away (kube's node lifecycle and pod garbage collection):
//   - taint-based eviction: a pod on a node with NoExecute taints it does not tolerate (node.kubernetes.io/unreachable
//     once a host stops beating) is deleted when its tolerationSeconds run out (taint-eviction.ts) — a graceful delete,
//     so its controller counts it gone and makes a replacement, which the scheduler puts on a node that is Ready;
//   - a pod being deleted on a node that is not Ready is force-deleted (grace 0) once its grace period is over: nobody
//     is there to confirm its containers stopped, so it would otherwise stay Terminating;
//   - a pod bound to a node that no longer exists (its host revoked) is force-deleted after 40 s.
// Events: TaintManagerEviction on the pod when it is marked for deletion.
import type { SystemClient } from "@/lib/k8s/system-client";
import { recordEvent } from "@/lib/k8s/events";
import { isConflict, isNotFound, message } from "./errors";
import type { Informer } from "./informer";
import type { Node, Pod } from "./objects";
import { keyOf } from "./objects";
import { readyStatus } from "./node-taints";
import { evictionTime } from "./taint-eviction";
import { WorkQueue } from "./work-queue";

export const COMPONENT = "node-lifecycle-controller";
/** kube's pod GC quarantine for pods of a node that is gone. */
const ORPHAN_GRACE_MS = 40_000;

export class NodeLifecycleController {
  readonly queue: WorkQueue;
  private orphanedSince = new Map<string, number>();
  private readonly log: (msg: string) => void;

  constructor(
    private readonly client: SystemClient,
    private readonly nodes: Informer<Node>,
    private readonly pods: Informer<Pod>,
    opts: { log?(msg: string): void } = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.queue = new WorkQueue(COMPONENT, this.log);
    const nodeChanged = (n: Node) => {
      for (const p of this.pods.byIndex("node", n.metadata.name!)) this.queue.add(keyOf(p));
    };
    nodes.on({
      add: nodeChanged,
      update: (old, n) => {
        if (JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(n.spec?.taints ?? []) || readyStatus(old) !== readyStatus(n)) nodeChanged(n);
      },
      delete: nodeChanged,
    });
    pods.on({
      add: (p) => p.spec?.nodeName && this.queue.add(keyOf(p)),
      update: (_, p) => p.spec?.nodeName && this.queue.add(keyOf(p)),
      delete: (p) => this.orphanedSince.delete(keyOf(p)),
    });
  }

  start(workers = 2): void {
    this.queue.run((key) => this.sync(key), workers);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  async sync(key: string, now = Date.now()): Promise<void> {
    const pod = this.pods.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) return;
    const node = this.nodes.get(nodeName);

    if (!node) {
      const since = this.orphanedSince.get(key) ?? now;
      this.orphanedSince.set(key, since);
      if (now - since < ORPHAN_GRACE_MS) return this.queue.addAfter(key, since + ORPHAN_GRACE_MS - now);
      this.log(`${COMPONENT}: pod ${key} is bound to node ${nodeName}, which does not exist: deleting it`);
      return this.forceDelete(pod);
    }
    this.orphanedSince.delete(key);

    if (pod.metadata.deletionTimestamp) {
      if (readyStatus(node) === "True") return;
      const deadline = Date.parse(pod.metadata.deletionTimestamp);
      if (!Number.isNaN(deadline) && deadline > now) return this.queue.addAfter(key, deadline - now);
      return this.forceDelete(pod);
    }

    const at = evictionTime(pod, node, now);
    if (at === null) return;
    if (at > now) return this.queue.addAfter(key, at - now);
    void recordEvent(COMPONENT, pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`);
    try {
      const gone = await this.client.delete("pods", pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      if (gone?.metadata.deletionTimestamp) this.pods.observe(gone);
      else if (gone) this.pods.observeDeleted(gone);
      this.log(`${COMPONENT}: evicted pod ${key} from node ${nodeName} (NoExecute taints)`);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async forceDelete(pod: Pod): Promise<void> {
    try {
      const gone = await this.client.delete("pods", pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      this.pods.observeDeleted(gone ?? pod);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) this.log(`${COMPONENT}: force-deleting pod ${keyOf(pod)} failed: ${message(e)}`);
    }
  }
}
