// Bindings written in batches: every binding waiting when the last write finished goes in one write transaction of the
// store, each with its Scheduled event (kube-scheduler binds in parallel goroutines; here writes are serialized by the
// store's revision lock, so one transaction for many is what keeps up). Each binding is checked and refused on its own
// (a stale resourceVersion, a pod deleted or already bound meanwhile) without failing the others; a database failure
// fails the batch, and the scheduler tries those pods again.
import { bindInTransaction } from "@/lib/k8s/bind-pod";
import { insertNew } from "@/lib/k8s/create-object";
import { newEvent } from "@/lib/k8s/events";
import { eventResource } from "@/lib/k8s/kinds/event";
import { KubeError } from "@/lib/k8s/status";
import { writeTransaction } from "@/lib/k8s/store";
import type { Pod } from "./objects";

export type BindOutcome = { bound: Pod } | { error: KubeError };

export async function bindPods(binds: ReadonlyArray<{ pod: Pod; node: string }>, component: string): Promise<BindOutcome[]> {
  const who = { manager: component, operation: "Update" as const };
  return writeTransaction(async (w) => {
    const out: BindOutcome[] = [];
    for (const { pod, node } of binds) {
      const ns = pod.metadata.namespace!;
      let bound: Pod;
      try {
        bound = (await bindInTransaction(w, ns, pod.metadata.name!, node, { uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion }, component)) as Pod;
      } catch (e) {
        if (!(e instanceof KubeError)) throw e;
        out.push({ error: e });
        continue;
      }
      try {
        await insertNew(w, eventResource, ns, newEvent(component, bound, "Normal", "Scheduled", `Successfully assigned ${ns}/${bound.metadata.name} to ${node}`), who);
      } catch (e) {
        // Refused before anything was written (a name taken): the binding stands without its event.
        if (!(e instanceof KubeError)) throw e;
      }
      out.push({ bound });
    }
    return out;
  });
}

/** Collects bindings and writes them in batches of up to `maxBatch`, one batch at a time. */
export class Binder {
  private pending: Array<{ pod: Pod; node: string; resolve(p: Pod): void; reject(e: unknown): void }> = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly component: string,
    private readonly maxBatch = 200,
  ) {}

  /** The pod as bound; rejects with the KubeError that refused it, or the batch's failure. */
  bind(pod: Pod, node: string): Promise<Pod> {
    return new Promise((resolve, reject) => {
      this.pending.push({ pod, node, resolve, reject });
      this.running ??= this.flush().finally(() => (this.running = null));
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const outcomes = await bindPods(batch, this.component);
        outcomes.forEach((o, i) => ("bound" in o ? batch[i]!.resolve(o.bound) : batch[i]!.reject(o.error)));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
  }

  /** Resolves when nothing is being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
