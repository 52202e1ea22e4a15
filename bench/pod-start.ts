// Pod start latency over two real hosts, against Kubernetes' pod startup SLO (p99 ≤ 5 s, image present):
//   node --import tsx bench/pod-start.ts [PODS]        (needs a `next build`; PODS default 100)
// Two agents, each in its own network namespace, joined to one control plane (bench/two-hosts.ts); the busybox image is
// already on both. Two bursts, each in a namespace of its own (deleted, and its pods gone from both hosts, before the
// next):
//   deployment   one Deployment of PODS replicas applied (POST) — its ReplicaSet controller makes the pods;
//   pods         PODS Pods POSTed at once (Promise.all), each through the scheduler.
// The pods run `sleep 3600` with 10m cpu / 16Mi requests and no probe (Ready as soon as the container runs).
// Measured per pod: (api) the Ready condition's lastTransitionTime − metadata.creationTimestamp — what the SLO is
// defined on, to the second as the API's timestamps are; (client) from when the client first saw the pod (its watch's
// ADDED, or the POST being sent for the individual pods) to when its watch delivered Ready, in ms. Where the time
// goes, from the watch's arrival times: created → bound (scheduler), bound → the host's first status (dispatch, the
// agent taking the pod), → Running (sandbox and container started, status back), → Ready.
import { loadAverage, oneDecimal, quantile, runBench, Cleanups } from "./support.ts";
import { docker, kubeRequest, podReady, stampedWatch, startTwoHosts, type Stamped, type TwoHosts } from "./two-hosts.ts";

const PODS = Number(process.argv[2] ?? 100);
if (!Number.isInteger(PODS) || PODS < 1) throw new Error(`PODS must be a positive integer, got "${process.argv[2]}"`);
const SLO_MS = 5000;

const cleanups = new Cleanups();
cleanups.runOnSignals();

const podSpec = (image: string) => ({
  terminationGracePeriodSeconds: 1,
  containers: [{ name: "c", image, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"], resources: { requests: { cpu: "10m", memory: "16Mi" } } }],
});

interface Timeline {
  name: string;
  uid?: string;
  node?: string;
  origin: number;
  seen?: number;
  bound?: number;
  reported?: number;
  running?: number;
  ready?: number;
  created?: string;
  readySince?: string;
}

function track(events: Stamped[], origins: Map<string, number> | null): Map<string, Timeline> {
  const pods = new Map<string, Timeline>();
  for (const e of events) {
    if (e.type !== "ADDED" && e.type !== "MODIFIED") continue;
    const p = e.object;
    const name = p.metadata.name as string;
    let t = pods.get(name);
    if (!t) {
      t = { name, uid: p.metadata.uid, origin: origins?.get(name) ?? e.at, seen: e.at, created: p.metadata.creationTimestamp };
      pods.set(name, t);
    }
    if (p.spec?.nodeName && t.bound === undefined) (t.bound = e.at), (t.node = p.spec.nodeName);
    if ((p.status?.startTime || p.status?.containerStatuses) && t.reported === undefined) t.reported = e.at;
    if (p.status?.phase === "Running" && t.running === undefined) t.running = e.at;
    if (podReady(p) && t.ready === undefined) {
      t.ready = e.at;
      t.readySince = p.status.conditions.find((c: { type: string }) => c.type === "Ready").lastTransitionTime;
    }
  }
  return pods;
}

const stats = (xs: number[]) => `p50 ${oneDecimal(quantile(xs, 0.5))}  p99 ${oneDecimal(quantile(xs, 0.99))}  max ${oneDecimal(Math.max(...xs))}`;

async function burst(w: TwoHosts, label: string, ns: string, create: () => Promise<Map<string, number> | null>): Promise<void> {
  const made = await kubeRequest(w, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  if (made.status !== 201) throw new Error(`namespace ${ns}: ${made.status} ${JSON.stringify(made.body)}`);
  const watch = stampedWatch(w, `/api/v1/namespaces/${ns}/pods?watch=true`);
  await new Promise((r) => setTimeout(r, 500)); // the watch is open before the first pod
  const load0 = loadAverage();
  const t0 = Date.now();
  const origins = await create();
  const deadline = t0 + 300_000;
  let pods = track(watch.events, origins);
  while ([...pods.values()].filter((t) => t.ready !== undefined).length < PODS) {
    if (Date.now() > deadline) throw new Error(`${label}: only ${[...pods.values()].filter((t) => t.ready !== undefined).length} of ${PODS} pods Ready after 300 s`);
    await new Promise((r) => setTimeout(r, 100));
    pods = track(watch.events, origins);
  }
  const allReadyAt = Math.max(...[...pods.values()].map((t) => t.ready!));
  watch.close();
  const all = [...pods.values()];
  const api = all.map((t) => Date.parse(t.readySince!) - Date.parse(t.created!));
  const client = all.map((t) => t.ready! - t.origin);
  const perNode = new Map<string, number>();
  for (const t of all) perNode.set(t.node!, (perNode.get(t.node!) ?? 0) + 1);
  console.log(`\n${label}: ${PODS} pods Ready ${((allReadyAt - t0) / 1000).toFixed(1)} s after the first request; on ${[...perNode].map(([n, c]) => `${n} ${c}`).join(", ")}; load average ${load0} → ${loadAverage()}`);
  console.log(`  api    (Ready.lastTransitionTime − creationTimestamp, 1 s resolution, ms): ${stats(api)}  — SLO p99 ≤ ${SLO_MS} ms: ${quantile(api, 0.99) <= SLO_MS ? "met" : "NOT met"}`);
  console.log(`  client (${origins ? "POST sent" : "watch ADDED"} → watch Ready, ms):             ${stats(client)}  — SLO: ${quantile(client, 0.99) <= SLO_MS ? "met" : "NOT met"}`);
  const stage = (from: keyof Timeline, to: keyof Timeline) => all.filter((t) => t[from] !== undefined && t[to] !== undefined).map((t) => (t[to] as number) - (t[from] as number));
  console.log(`  where the time goes (watch arrival times, ms):`);
  console.log(`    created → bound (scheduler)                      ${stats(stage("origin", "bound"))}`);
  console.log(`    bound → the host's first status (dispatch, agent) ${stats(stage("bound", "reported"))}`);
  console.log(`    first status → Running (sandbox, container)       ${stats(stage("reported", "running"))}`);
  console.log(`    Running → Ready                                   ${stats(stage("running", "ready"))}`);
  // The bound → first status stretch split by what each agent's Docker API says of the pod's containers: when the
  // sandbox container was created (the agent has the pod), when the pod's container started.
  const onHost = new Map<string, { sandboxCreated?: number; started?: number }>();
  for (const h of w.hosts) {
    const ids = (await docker(h.root, ["ps", "-aq", "--filter", `label=io.kubernetes.pod.namespace=${ns}`])).split("\n").filter(Boolean);
    const inspected = ids.length ? (JSON.parse(await docker(h.root, ["inspect", ...ids])) as Array<{ Name: string; Created: string; State: { StartedAt: string }; Config: { Labels: Record<string, string> } }>) : [];
    for (const c of inspected) {
      const uid = c.Config.Labels["io.kubernetes.pod.uid"]!;
      const seen = onHost.get(uid) ?? {};
      if (c.Name.startsWith("/k8s_POD_")) seen.sandboxCreated = Date.parse(c.Created);
      else seen.started = Date.parse(c.State.StartedAt);
      onHost.set(uid, seen);
    }
  }
  const split = (f: (t: Timeline, h: { sandboxCreated?: number; started?: number }) => number | undefined) =>
    all.map((t) => f(t, onHost.get(t.uid!) ?? {})).filter((x): x is number => x !== undefined && !Number.isNaN(x));
  console.log(`    of bound → first status, from the agents' Docker API:`);
  console.log(`      bound → sandbox container created (dispatch)   ${stats(split((t, h) => h.sandboxCreated && t.bound && h.sandboxCreated - t.bound))}`);
  console.log(`      sandbox created → container started (agent)   ${stats(split((_, h) => h.started && h.sandboxCreated && h.started - h.sandboxCreated))}`);
  console.log(`      container started → status seen (round trip)  ${stats(split((t, h) => h.started && t.reported && t.reported - h.started))}`);

  // Cleared for the next burst: the namespace deleted and its pods gone from the API and from both hosts.
  const t1 = Date.now();
  await kubeRequest(w, "DELETE", `/api/v1/namespaces/${ns}`);
  for (;;) {
    const left = await kubeRequest(w, "GET", `/api/v1/namespaces/${ns}/pods`);
    const onHosts = await Promise.all(w.hosts.map((h) => docker(h.root, ["ps", "-aq", "--filter", `label=io.kubernetes.pod.namespace=${ns}`])));
    if ((left.status === 404 || !left.body.items?.length) && onHosts.every((o) => !o.trim())) break;
    if (Date.now() - t1 > 300_000) throw new Error(`${ns}'s pods still there after 300 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`  (deleted: every pod gone from both hosts ${((Date.now() - t1) / 1000).toFixed(1)} s after the namespace's deletion)`);
}

async function main() {
  console.log(`pod start benchmark: ${PODS} pods over two hosts (agents in their own network namespaces), image present; load average ${loadAverage()}`);
  const w = await startTwoHosts(cleanups);
  console.log(`hosts ${w.hosts.map((h) => `${h.node} (${h.address})`).join(", ")} Ready; load average ${loadAverage()}`);

  await burst(w, `a Deployment of ${PODS} replicas`, `deploy-${process.pid}`, async () => {
    const r = await kubeRequest(w, "POST", `/apis/apps/v1/namespaces/deploy-${process.pid}/deployments`, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "burst" },
      spec: { replicas: PODS, selector: { matchLabels: { app: "burst" } }, template: { metadata: { labels: { app: "burst" } }, spec: podSpec(w.image) } },
    });
    if (r.status !== 201) throw new Error(`the Deployment: ${r.status} ${JSON.stringify(r.body)}`);
    return null;
  });

  const ns = `pods-${process.pid}`;
  await burst(w, `${PODS} Pods created at once`, ns, async () => {
    const origins = new Map<string, number>();
    const answers = await Promise.all(
      Array.from({ length: PODS }, (_, i) => {
        const name = `pod-${i}`;
        origins.set(name, Date.now());
        return kubeRequest(w, "POST", `/api/v1/namespaces/${ns}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "burst" } }, spec: podSpec(w.image) });
      }),
    );
    const bad = answers.filter((a) => a.status !== 201);
    if (bad.length) throw new Error(`${bad.length} pod creations failed: ${bad[0]!.status} ${JSON.stringify(bad[0]!.body)}`);
    return origins;
  });
}

await runBench(main, cleanups);
