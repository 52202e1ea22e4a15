// Time from a host's death to its pods running Ready on the other host, as a function of tolerationSeconds:
//   node --import tsx bench/host-failover.ts [TOLERATIONS…]       (needs a `next build`; default 0 5 30)
// Two agents in their own network namespaces joined to one control plane (bench/two-hosts.ts), heartbeating every
// 10 s as installed agents do; the control plane with its defaults (or GANTRY_HEARTBEAT_STALE_MS / _OFFLINE_MS from
// the environment): a host is stale — its Node Ready=Unknown, tainted node.kubernetes.io/unreachable — once it has been
// silent for the stale grace (kube-controller-manager's node-monitor-grace-period), which the bench prints.
// For each death (the agent killed with SIGKILL; the namespace's link set down, agent and pods still running) and each
// tolerationSeconds T: a Deployment of 4 replicas (2 per host, spread) tolerating unreachable and not-ready for T
// seconds; the second host dies; the clock runs from the death until the Deployment has 4 Ready pods again, all on the
// first host. Also printed, from watches stamped on arrival: when the Node was seen NotReady, when the lost pods were
// marked for deletion (eviction), when their replacements were created. Then the host comes back (agent started again
// or link up), its Node Ready, and the namespace is deleted before the next run.
import { heartbeatThresholds } from "../lib/hosts/heartbeat-thresholds.ts";
import { waitFor } from "../test/support/agent.ts";
import { loadAverage, runBench, Cleanups } from "./support.ts";
import { docker, kubeRequest, podReady, stampedWatch, startTwoHosts, type TwoHosts } from "./two-hosts.ts";

const TOLERATIONS = (process.argv.slice(2).length ? process.argv.slice(2) : ["0", "5", "30"]).map(Number);
if (TOLERATIONS.some((t) => !Number.isInteger(t) || t < 0)) throw new Error(`tolerationSeconds must be whole numbers ≥ 0, got ${process.argv.slice(2).join(" ")}`);
const REPLICAS = 4;

const cleanups = new Cleanups();
cleanups.runOnSignals();

const secs = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);

async function run(w: TwoHosts, death: "kill -9" | "link down", tolerationSeconds: number): Promise<string> {
  const [live, victim] = w.hosts;
  const ns = `failover-${tolerationSeconds}-${death === "kill -9" ? "kill" : "link"}-${process.pid}`;
  await kubeRequest(w, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const tolerations = ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"].map((key) => ({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds }));
  const made = await kubeRequest(w, "POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "survivor" },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: "survivor" } },
      template: {
        metadata: { labels: { app: "survivor" } },
        spec: { tolerations, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: w.image, command: ["sleep", "3600"], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
      },
    },
  });
  if (made.status !== 201) throw new Error(`the Deployment: ${made.status} ${JSON.stringify(made.body)}`);
  const list = async () => ((await kubeRequest(w, "GET", `/api/v1/namespaces/${ns}/pods`)).body.items ?? []) as any[];
  await waitFor(`${REPLICAS} pods Ready`, async () => (await list()).filter((p) => podReady(p) && !p.metadata.deletionTimestamp).length === REPLICAS, 120_000, 250);
  const before = await list();
  const lost = new Set(before.filter((p) => p.spec.nodeName === victim.node).map((p) => p.metadata.uid as string));
  if (!lost.size) throw new Error(`no pod on ${victim.node}: ${before.map((p) => p.spec.nodeName).join(", ")}`);

  const pods = stampedWatch(w, `/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=${(await kubeRequest(w, "GET", `/api/v1/namespaces/${ns}/pods`)).body.metadata.resourceVersion}`);
  const nodes = stampedWatch(w, `/api/v1/nodes?watch=true&fieldSelector=metadata.name%3D${victim.node}`);
  await new Promise((r) => setTimeout(r, 300));
  const load0 = loadAverage();
  const diedAt = Date.now();
  if (death === "kill -9") await victim.agent.kill();
  else victim.link(false);

  let doneAt = 0;
  await waitFor("the Deployment whole again on the live host", async () => {
    const now = await list();
    const ok = now.filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName === live.node && podReady(p));
    if (ok.length === REPLICAS && !now.some((p) => lost.has(p.metadata.uid) && !p.metadata.deletionTimestamp)) {
      doneAt = Date.now();
      return true;
    }
    return false;
  }, 600_000, 100);
  // The watch's times, where they came sooner than the poll.
  const readyAt = pods.events.filter((e) => !lost.has(e.object.metadata.uid) && e.object.spec?.nodeName === live.node && podReady(e.object) && !before.some((p) => p.metadata.uid === e.object.metadata.uid));
  const lastReplacementReady = readyAt.length ? Math.max(...[...new Map(readyAt.map((e) => [e.object.metadata.uid, e.at])).values()]) : doneAt;
  const notReady = nodes.events.find((e) => !podReady(e.object))?.at; // a Node's Ready condition reads as a pod's
  const evicted = pods.events.find((e) => lost.has(e.object.metadata.uid) && e.object.metadata.deletionTimestamp)?.at;
  const replaced = pods.events.find((e) => e.type === "ADDED" && !before.some((p) => p.metadata.uid === e.object.metadata.uid))?.at;
  pods.close();
  nodes.close();
  const total = Math.min(doneAt, lastReplacementReady) - diedAt;
  const line = `${death.padEnd(9)} tolerationSeconds ${String(tolerationSeconds).padStart(2)}: ${lost.size} pods back Ready on ${live.node} ${secs(total)} after the death — Node NotReady seen at ${secs(notReady && notReady - diedAt)}, eviction at ${secs(evicted && evicted - diedAt)}, replacements created at ${secs(replaced && replaced - diedAt)} (load ${load0} → ${loadAverage()})`;
  console.log(`  ${line}`);

  // The host comes back and the namespace goes, before the next run.
  if (death === "kill -9") await victim.restart();
  else victim.link(true);
  await waitFor(`${victim.node} Ready again`, async () => podReady((await kubeRequest(w, "GET", `/api/v1/nodes/${victim.node}`)).body), 120_000, 250);
  await kubeRequest(w, "DELETE", `/api/v1/namespaces/${ns}`);
  await waitFor(`${ns}'s pods gone`, async () => {
    const left = await kubeRequest(w, "GET", `/api/v1/namespaces/${ns}/pods`);
    const onHosts = await Promise.all(w.hosts.map((h) => docker(h.root, ["ps", "-aq", "--filter", `label=io.kubernetes.pod.namespace=${ns}`])));
    return (left.status === 404 || !left.body.items?.length) && onHosts.every((o) => !o.trim());
  }, 300_000, 500);
  return line;
}

async function main() {
  const grace = heartbeatThresholds(process.env);
  console.log(`host failover benchmark: tolerationSeconds ${TOLERATIONS.join(", ")}; load average ${loadAverage()}`);
  console.log(`node-monitor grace: a host is stale (Node Ready=Unknown, tainted unreachable) after ${grace.staleMs / 1000} s without a heartbeat (GANTRY_HEARTBEAT_STALE_MS), offline after ${grace.offlineMs / 1000} s; agents beat every 10 s; the sweep runs every ${Math.max(100, Math.min(5_000, Math.floor(grace.staleMs / 5))) / 1000} s; Nodes are synced every 1 s`);
  const w = await startTwoHosts(cleanups);
  console.log(`hosts ${w.hosts.map((h) => `${h.node} (${h.address})`).join(", ")} Ready; load average ${loadAverage()}`);
  const lines: string[] = [];
  for (const death of ["kill -9", "link down"] as const) for (const t of TOLERATIONS) lines.push(await run(w, death, t));
  console.log(`\nsummary (load average now ${loadAverage()}):\n${lines.map((l) => `  ${l}`).join("\n")}`);
}

await runBench(main, cleanups);
