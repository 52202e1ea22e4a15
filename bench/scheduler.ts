// Scheduler throughput: placements per second on 1,000 registered nodes without agents.
//   node --import tsx bench/scheduler.ts [PODS] [NODES]
// An embedded PostgreSQL of its own holds the Kubernetes API's store (as the control plane's); NODES hosts (default
// 1000, 4 cpus and 8 GiB each) are rows inserted into the Host table, and the node sync registers a Ready Node for
// each. PODS pods (default 2000, 100m cpu / 128Mi each, no node) are created while the controllers are stopped; then
// the controllers start — list + watch of 1,000 Nodes and the pods — and the clock runs until every pod is bound
// (pods/binding written, a Scheduled event recorded, as in the control plane). Printed: placements per second end to
// end, the decision alone (filters + scores over the nodes, no writes) per pod, and upstream kube-scheduler's figure
// for comparison (~100–300 pods/s at 5,000 nodes, its scheduler_perf), with the machine's load.
import { startKubeStore } from "../test/k8s/support.ts";
import { insertHosts } from "../test/orchestration/support.ts";
import { Cleanups, loadAverage, oneDecimal, quantile, runBench } from "./support.ts";

const PODS = Number(process.argv[2] ?? 2000);
const NODES = Number(process.argv[3] ?? 1000);
if (!Number.isInteger(PODS) || PODS < 1) throw new Error(`PODS must be a positive integer, got "${process.argv[2]}"`);
if (!Number.isInteger(NODES) || NODES < 1) throw new Error(`NODES must be a positive integer, got "${process.argv[3]}"`);

const cleanups = new Cleanups();
cleanups.runOnSignals();

async function main() {
  console.log(`scheduler benchmark: ${PODS} pods on ${NODES} nodes without agents; load average ${loadAverage()}`);
  const store = await startKubeStore();
  cleanups.push("the store", () => store.stop());
  const { systemClient } = await import("../lib/k8s/system-client.ts");
  const { startControllers } = await import("../lib/orchestration/start-controllers.ts");
  const { emptyNodeInfo, schedulePod, feasibleNodesToFind } = await import("../lib/orchestration/schedule-pod.ts");
  const client = systemClient("bench");

  const names = Array.from({ length: NODES }, (_, i) => `bench-node-${String(i).padStart(4, "0")}`);
  let t = Date.now();
  await insertHosts(names, { cpus: 4, memoryGi: 8 });
  let controllers = await startControllers({ nodeSyncIntervalMs: 500 });
  for (;;) {
    const ready = controllers.informers.nodes.list().filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    if (ready === NODES) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`  ${NODES} Nodes registered and Ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  await controllers.stop();

  const ns = "bench";
  await client.create("namespaces", "", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  t = Date.now();
  const batch = 20;
  for (let i = 0; i < PODS; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, PODS - i) }, (_, j) =>
        client.create("pods", ns, {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: `pod-${i + j}` },
          spec: { containers: [{ name: "c", image: "busybox:1.36", resources: { requests: { cpu: "100m", memory: "128Mi" } } }] },
        }),
      ),
    );
  }
  console.log(`  ${PODS} pods created (unbound) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // The decision alone: filters and scores over every node for one pod, as the scheduler makes it (no writes).
  const nodes = (await client.list("nodes")).items;
  const infos = nodes.map((n) => emptyNodeInfo(n));
  const sample = (await client.get("pods", ns, "pod-0"))!;
  const decisions: number[] = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    schedulePod(sample, infos, { start: i * 7, enough: feasibleNodesToFind(infos.length) });
    decisions.push(performance.now() - s);
  }

  const start = Date.now();
  controllers = await startControllers({ nodeSyncIntervalMs: 500 });
  cleanups.push("the controllers", () => controllers.stop());
  const synced = Date.now();
  for (;;) {
    if ((controllers.scheduler?.bound ?? 0) >= PODS) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const end = Date.now();
  const bound = (await client.list("pods", { namespace: ns })).items.filter((p) => (p.spec as { nodeName?: string }).nodeName);
  const perNode = new Map<string, number>();
  for (const p of bound) perNode.set((p.spec as { nodeName: string }).nodeName, (perNode.get((p.spec as { nodeName: string }).nodeName) ?? 0) + 1);
  const counts = [...perNode.values()];
  const seconds = (end - synced) / 1000;
  console.log(`  informers synced (${NODES} nodes, ${PODS} pods listed) in ${((synced - start) / 1000).toFixed(2)} s`);
  console.log(`  ${bound.length} pods bound in ${seconds.toFixed(2)} s: **${oneDecimal(PODS / seconds)} placements/s** end to end (binding + Scheduled event written per pod)`);
  console.log(`  spread: ${perNode.size} nodes used, ${Math.min(...counts)}–${Math.max(...counts)} pods per node`);
  console.log(`  decision alone (filter + score, ${feasibleNodesToFind(infos.length)} feasible nodes sought of ${infos.length}): median ${decisions.length ? quantile(decisions, 0.5).toFixed(3) : "—"} ms, p99 ${quantile(decisions, 0.99).toFixed(3)} ms → ${oneDecimal(1000 / quantile(decisions, 0.5))} decisions/s`);
  console.log(`  upstream kube-scheduler: ~100–300 pods/s at 5,000 nodes (scheduler_perf, as the issue cites)`);
  console.log(`  load average at the end ${loadAverage()}`);
}

void runBench(main, cleanups);
