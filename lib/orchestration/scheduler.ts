// The scheduler: places every pod that has no node (spec.nodeName empty, schedulerName default-scheduler) on one, as
// kube-scheduler does. It keeps, from the Node and Pod informers, what each node runs (pods bound to it and not
// finished, with their requests and controllers), takes waiting pods one at a time in arrival order, decides
// (schedule-pod.ts: filters, then spread and least-allocated), counts the pod on its node at once ("assumed") and binds
// it in the background — the pods/binding subresource's own write (lib/k8s/bind-pod.ts: spec.nodeName and the
// PodScheduled condition True at once), with the pod's uid and resourceVersion as preconditions, batched with the
// other bindings waiting and their Scheduled events into one write (bind-pods.ts) — so the next decision already sees
// it.
//
// A pod no node fits stays Pending: its PodScheduled condition becomes False (reason Unschedulable) with kube's
// message ("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable."), a FailedScheduling Warning
// event says the same (counted on repeats), and it waits until something changes that could make room — a node added
// or changed, a bound pod deleted or finished — or 15 s pass; retries back off 1 s doubling to 10 s, as kube's do.
import type { SystemClient } from "@/lib/k8s/system-client";
import { recordEvent } from "@/lib/k8s/events";
import { rfc3339 } from "@/lib/k8s/meta";
import { isConflict, isNotFound, message } from "./errors";
import { Binder } from "./bind-pods";
import type { Informer } from "./informer";
import type { Node, Pod, PodCondition } from "./objects";
import { keyOf } from "./objects";
import { isTerminal, isTerminating, podCondition } from "./pod-state";
import { accountPod, allocatableOf, emptyNodeInfo, feasibleNodesToFind, schedulePod, type NodeInfo } from "./schedule-pod";

export const DEFAULT_SCHEDULER = "default-scheduler";
const RETRY_UNSCHEDULABLE_MS = 15_000;

export interface SchedulerOptions {
  log?(msg: string): void;
  /** Bindings decided and not yet written at most (they are written in batches; decisions do not wait for them). */
  bindConcurrency?: number;
}

interface Slot extends NodeInfo {
  /** False while only pods name this node (listed before it, or it was removed). */
  exists: boolean;
}

export const isResponsible = (p: Pod) => !p.spec?.schedulerName || p.spec.schedulerName === DEFAULT_SCHEDULER;
const needsScheduling = (p: Pod) => !p.spec?.nodeName && isResponsible(p) && !isTerminating(p) && !isTerminal(p);

export class Scheduler {
  private slots = new Map<string, Slot>();
  private ordered: Slot[] | null = null;
  private accounted = new Map<string, { node: string; pod: Pod }>();
  private queue: string[] = [];
  private head = 0;
  private queued = new Set<string>();
  private delayed = new Map<string, NodeJS.Timeout>();
  private unschedulable = new Map<string, number>();
  private attempts = new Map<string, number>();
  private inFlight = new Map<string, Promise<void>>();
  private nextStart = 0;
  private wake: (() => void) | null = null;
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly log: (msg: string) => void;
  private readonly binder = new Binder(DEFAULT_SCHEDULER);
  /** Pods bound since start (for the benchmark and the logs). */
  bound = 0;

  constructor(
    private readonly client: SystemClient,
    private readonly nodes: Informer<Node>,
    private readonly pods: Informer<Pod>,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    nodes.on({
      add: (n) => this.onNode(n),
      update: (_, n) => this.onNode(n),
      delete: (n) => {
        const slot = this.slots.get(n.metadata.name!);
        if (slot) slot.exists = false;
        this.ordered = null;
      },
    });
    pods.on({
      add: (p) => this.onPod(p, undefined),
      update: (old, p) => this.onPod(p, old),
      delete: (p) => this.onPodGone(p),
    });
  }

  start(): void {
    this.loopDone = this.loop();
    this.flushTimer = setInterval(() => this.retryUnschedulable(), RETRY_UNSCHEDULABLE_MS);
    this.flushTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (this.flushTimer) clearInterval(this.flushTimer);
    for (const t of this.delayed.values()) clearTimeout(t);
    await this.loopDone;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** How many pods wait to be placed (queued or unschedulable). */
  pending(): number {
    return this.queued.size + this.delayed.size + this.unschedulable.size + this.inFlight.size;
  }

  // ---- the cluster as the scheduler sees it ----

  private slot(name: string): Slot {
    let s = this.slots.get(name);
    if (!s) {
      s = { ...emptyNodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name } }), exists: false };
      this.slots.set(name, s);
    }
    return s;
  }

  private onNode(n: Node): void {
    const s = this.slot(n.metadata.name!);
    s.node = n;
    s.allocatable = allocatableOf(n);
    if (!s.exists) this.ordered = null;
    s.exists = true;
    this.retryUnschedulable();
  }

  private account(key: string, pod: Pod): void {
    const had = this.accounted.get(key);
    if (had) accountPod(this.slot(had.node), had.pod, -1);
    accountPod(this.slot(pod.spec!.nodeName!), pod, 1);
    this.accounted.set(key, { node: pod.spec!.nodeName!, pod });
  }

  private unaccount(key: string): boolean {
    const had = this.accounted.get(key);
    if (!had) return false;
    accountPod(this.slot(had.node), had.pod, -1);
    this.accounted.delete(key);
    return true;
  }

  private onPod(p: Pod, old: Pod | undefined): void {
    const key = keyOf(p);
    if (p.spec?.nodeName) {
      this.dequeue(key);
      if (isTerminal(p)) {
        if (this.unaccount(key)) this.retryUnschedulable();
      } else if (!this.inFlight.has(key)) this.account(key, p);
      return;
    }
    if (!needsScheduling(p)) {
      this.dequeue(key);
      return;
    }
    if (this.inFlight.has(key)) return;
    // A pod already found unschedulable waits for the cluster to change, not for its own status writes.
    if (old && this.unschedulable.has(key) && JSON.stringify(old.spec) === JSON.stringify(p.spec) && JSON.stringify(old.metadata.labels) === JSON.stringify(p.metadata.labels)) return;
    this.unschedulable.delete(key);
    this.enqueue(key, 0);
  }

  private onPodGone(p: Pod): void {
    const key = keyOf(p);
    this.dequeue(key);
    this.attempts.delete(key);
    if (this.unaccount(key)) this.retryUnschedulable();
  }

  // ---- the queue ----

  private enqueue(key: string, delayMs: number): void {
    if (this.stopped || this.queued.has(key) || this.inFlight.has(key)) return;
    if (delayMs > 0) {
      if (this.delayed.has(key)) return;
      const t = setTimeout(() => {
        this.delayed.delete(key);
        this.enqueue(key, 0);
      }, delayMs);
      t.unref();
      this.delayed.set(key, t);
      return;
    }
    const t = this.delayed.get(key);
    if (t) {
      clearTimeout(t);
      this.delayed.delete(key);
    }
    this.queue.push(key);
    this.queued.add(key);
    this.wake?.();
  }

  private dequeue(key: string): void {
    this.queued.delete(key); // its entry in `queue` is skipped when reached
    this.unschedulable.delete(key);
    const t = this.delayed.get(key);
    if (t) {
      clearTimeout(t);
      this.delayed.delete(key);
    }
  }

  private pop(): string | null {
    while (this.head < this.queue.length) {
      const key = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (this.queued.delete(key)) return key;
    }
    return null;
  }

  private backoffMs(key: string): number {
    const n = this.attempts.get(key) ?? 0;
    return n === 0 ? 0 : Math.min(1000 * 2 ** (n - 1), 10_000);
  }

  /** Something changed that could make room: every unschedulable pod is looked at again (after its back-off). */
  private retryUnschedulable(): void {
    for (const key of [...this.unschedulable.keys()]) {
      this.unschedulable.delete(key);
      this.enqueue(key, this.backoffMs(key));
    }
  }

  private nodeList(): Slot[] {
    if (!this.ordered) this.ordered = [...this.slots.values()].filter((s) => s.exists).sort((a, b) => (a.node.metadata.name! < b.node.metadata.name! ? -1 : 1));
    return this.ordered;
  }

  // ---- deciding and binding ----

  private async loop(): Promise<void> {
    const concurrency = this.opts.bindConcurrency ?? 500;
    while (!this.stopped) {
      const key = this.pop();
      if (key === null) {
        await new Promise<void>((r) => {
          this.wake = r;
          const t = setTimeout(r, 1000);
          t.unref();
        });
        this.wake = null;
        continue;
      }
      while (this.inFlight.size >= concurrency && !this.stopped) await Promise.race(this.inFlight.values());
      if (this.stopped) break;
      const pod = this.pods.get(key);
      if (!pod || !needsScheduling(pod)) continue;
      try {
        this.scheduleOne(key, pod);
      } catch (e) {
        this.log(`scheduler: ${key}: ${message(e)}`);
        this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
        this.enqueue(key, this.backoffMs(key));
      }
      // Let informer events in between decisions.
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private scheduleOne(key: string, pod: Pod): void {
    const nodes = this.nodeList();
    const decision = schedulePod(pod, nodes, { start: this.nextStart, enough: feasibleNodesToFind(nodes.length) });
    if (nodes.length) this.nextStart = (this.nextStart + decision.evaluated) % nodes.length;
    if (decision.node === null) {
      this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
      this.unschedulable.set(key, Date.now());
      void this.recordUnschedulable(pod, decision.message);
      return;
    }
    const node = decision.node;
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: node } };
    this.account(key, assumed);
    const work = this.bind(pod, node)
      .then((bound) => {
        this.attempts.delete(key);
        if (!bound) this.unaccount(key);
      })
      .catch((e) => {
        this.log(`scheduler: binding ${key} to ${node} failed: ${message(e)}`);
        this.unaccount(key);
        this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
        this.inFlight.delete(key);
        this.enqueue(key, this.backoffMs(key));
      })
      .finally(() => {
        if (this.inFlight.get(key) === work) this.inFlight.delete(key);
        const cur = this.pods.get(key);
        if (cur?.spec?.nodeName && !isTerminal(cur)) this.account(key, cur);
      });
    this.inFlight.set(key, work);
  }

  /** Binds (uid and resourceVersion preconditions; on a conflict, again on the fresh pod if it is still unbound). */
  private async bind(pod: Pod, node: string): Promise<Pod | null> {
    const ns = pod.metadata.namespace!;
    let cur = pod;
    for (let attempt = 0; ; attempt++) {
      try {
        const bound = await this.binder.bind(cur, node);
        this.pods.observe(bound);
        this.bound++;
        return bound;
      } catch (e) {
        if (!isConflict(e) || attempt >= 3) {
          if (isNotFound(e)) return null;
          throw e;
        }
        const fresh = (await this.client.get("pods", ns, pod.metadata.name!)) as Pod | null;
        if (!fresh || fresh.metadata.uid !== pod.metadata.uid) return null;
        this.pods.observe(fresh);
        if (fresh.spec?.nodeName || !needsScheduling(fresh)) return null;
        cur = fresh;
      }
    }
  }

  private async recordUnschedulable(pod: Pod, why: string): Promise<void> {
    await recordEvent(DEFAULT_SCHEDULER, pod, "Warning", "FailedScheduling", why);
    const cond = podCondition(pod, "PodScheduled");
    if (cond?.status === "False" && cond.reason === "Unschedulable" && cond.message === why) return;
    await this.setScheduledCondition(pod, {
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: why,
      lastProbeTime: null,
      lastTransitionTime: cond?.status === "False" && cond.lastTransitionTime ? cond.lastTransitionTime : rfc3339(new Date()),
    }).catch((e) => {
      if (!isConflict(e) && !isNotFound(e)) this.log(`scheduler: ${keyOf(pod)}: recording it unschedulable failed: ${message(e)}`);
    });
  }

  /** The pod's PodScheduled condition replaced (status subresource; retried on a conflict). */
  private async setScheduledCondition(pod: Pod, c: PodCondition): Promise<void> {
    let cur = pod;
    for (let attempt = 0; attempt < 3; attempt++) {
      const conditions = [...(cur.status?.conditions ?? []).filter((x) => x.type !== "PodScheduled"), c];
      try {
        const written = (await this.client.updateStatus("pods", cur.metadata.namespace!, { ...cur, status: { phase: "Pending", ...cur.status, conditions } })) as Pod;
        this.pods.observe(written);
        return;
      } catch (e) {
        if (!isConflict(e)) throw e;
        const fresh = (await this.client.get("pods", cur.metadata.namespace!, cur.metadata.name!)) as Pod | null;
        if (!fresh || fresh.metadata.uid !== pod.metadata.uid) return;
        cur = fresh;
      }
    }
  }
}
