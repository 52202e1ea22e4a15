// The scheduler and the controllers through the real kubectl (/usr/bin/kubectl 1.32), against a real control plane with
// two real agents joined as two hosts (two Nodes): nodes labelled, cordoned, tainted and drained; ReplicaSets,
// ReplicationControllers and Deployments keeping their pods, spread over both nodes, replaced, scaled, rolled out, rolled
// back, restarted, paused; a pod that fits nowhere and says why; an agent killed with SIGKILL and its pods evicted after
// their tolerationSeconds onto the other node.
//
// The pods are real: the agents run them (sleeping busybox containers) and report their status, which is what the
// controllers and `kubectl rollout status` read; a deleted pod goes once its host has stopped it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ExtraAgent, FleetHost } from "../support/fleet-host";
import { startTwoNodeCluster, type TwoNodeCluster } from "../support/two-node-cluster";
import { fullBusyboxEntries } from "../support/docker-cli";
import { makeImage, makeLayer, pushImage } from "../support/images";
import { until, type Kube } from "../k8s/support";

let cluster: TwoNodeCluster;
let fleet: FleetHost;
let second: ExtraAgent;
let k: Kube;
let nodeA: string;
let nodeB: string;

before(async () => {
  cluster = await startTwoNodeCluster("orc", { cpEnv: { GANTRY_HEARTBEAT_STALE_MS: "2000", GANTRY_HEARTBEAT_OFFLINE_MS: "4000", GANTRY_NODE_SYNC_MS: "250" } });
  ({ fleet, second, k } = cluster);
  [nodeA, nodeB] = cluster.nodes;
  // Other tags of the image for `kubectl set image` (another build of the same files: pulled as the rollout asks).
  await Promise.all(["v2", "v3"].map(async (tag) => pushImage(fleet.registry.host, "busybox", tag, makeImage([await makeLayer(fullBusyboxEntries())], { cmd: ["sh"], label: tag }))));
});

after(async () => {
  await cluster?.destroy();
});

const ok = (args: string[], stdin?: string) => cluster.ok(args, stdin);
const json = async (args: string[]) => JSON.parse(await ok([...args, "-o", "json"]));
const rows = (out: string) => out.trim().split("\n").map((l) => l.trim().split(/\s{2,}/));

let nsCount = 0;
async function namespace(): Promise<string> {
  const ns = `orc${process.pid}-${++nsCount}`;
  await ok(["create", "namespace", ns]);
  return ns;
}

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec: { nodeName?: string; containers: Array<{ image: string }> };
  status: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}
const podsIn = async (ns: string, selector?: string): Promise<PodJson[]> => (await json(["get", "pods", "-n", ns, ...(selector ? ["-l", selector] : [])])).items;
const alive = (pods: PodJson[]) => pods.filter((p) => !p.metadata.deletionTimestamp);

/** What the pods run: a container that stays up (the image's own command is a shell that ends at once). */
const SLEEP = ["sleep", "3600"];

const deployment = (name: string, image: string, replicas: number) =>
  JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image, command: SLEEP, resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
    },
  });

test("nodes: both hosts Ready; kubectl label, cordon/uncordon and taint change them", async () => {
  const table = rows(await ok(["get", "nodes"]));
  for (const n of [nodeA, nodeB]) assert.equal(table.find((r) => r[0] === n)?.[1], "Ready", table.map((r) => r.join(" ")).join("\n"));

  await ok(["label", "node", nodeA, "disktype=ssd"]);
  const labelled = await json(["get", "node", nodeA]);
  assert.equal(labelled.metadata.labels.disktype, "ssd");
  assert.equal(labelled.metadata.labels["kubernetes.io/hostname"], nodeA);
  assert.match(await ok(["get", "nodes", "-l", "disktype=ssd", "-o", "name"]), new RegExp(`^node/${nodeA}\\s*$`));

  await ok(["cordon", nodeA]);
  assert.equal(rows(await ok(["get", "node", nodeA]))[1]![1], "Ready,SchedulingDisabled");
  await until(async () => JSON.stringify((await json(["get", "node", nodeA])).spec.taints ?? []).includes("node.kubernetes.io/unschedulable"), 10_000, "the unschedulable taint");
  await ok(["uncordon", nodeA]);
  await until(async () => !(await json(["get", "node", nodeA])).spec.taints, 10_000, "the unschedulable taint gone");
  assert.equal(rows(await ok(["get", "node", nodeA]))[1]![1], "Ready");

  await ok(["taint", "nodes", nodeB, "dedicated=gpu:NoSchedule"]);
  assert.deepEqual((await json(["get", "node", nodeB])).spec.taints, [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }]);
  await ok(["taint", "nodes", nodeB, "dedicated=gpu:NoSchedule-"]);
  assert.equal((await json(["get", "node", nodeB])).spec.taints, undefined);
  // The Node's status is the host's: a user's write to the object leaves it as it is.
  await ok(["patch", "node", nodeA, "--type=merge", "-p", JSON.stringify({ status: { allocatable: { cpu: "999" } } })]);
  assert.notEqual((await json(["get", "node", nodeA])).status.allocatable.cpu, "999");
  await ok(["label", "node", nodeA, "disktype-"]);
});

test("a Deployment: pods spread over both nodes, rollout status, a deleted pod replaced, scaled to 5", async () => {
  const ns = await namespace();
  await ok(["apply", "-n", ns, "-f", "-"], deployment("web", fleet.image, 3));
  await ok(["rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"]);
  const pods = alive(await podsIn(ns));
  assert.equal(pods.length, 3);
  assert.deepEqual(new Set(pods.map((p) => p.spec.nodeName)), new Set([nodeA, nodeB]), "spread over both nodes");
  const rsName = pods[0]!.metadata.ownerReferences![0]!.name;
  assert.match(rsName, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  const events = await json(["get", "events", "-n", ns, "--field-selector", "reason=Scheduled"]);
  assert.ok(events.items.some((e: { message: string }) => new RegExp(`^Successfully assigned ${ns}/web-.* to (${nodeA}|${nodeB})$`).test(e.message)));

  await ok(["delete", "pod", "-n", ns, pods[0]!.metadata.name, "--wait=false"]);
  await until(async () => {
    const now = alive(await podsIn(ns));
    return now.length === 3 && !now.some((p) => p.metadata.uid === pods[0]!.metadata.uid) && now.every((p) => p.spec.nodeName);
  }, 20_000, "the deleted pod replaced");

  await ok(["scale", "-n", ns, "deployment/web", "--replicas=5"]);
  await ok(["rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"]);
  const five = alive(await podsIn(ns));
  assert.equal(five.length, 5);
  const perNode = [nodeA, nodeB].map((n) => five.filter((p) => p.spec.nodeName === n).length).sort();
  assert.deepEqual(perNode, [2, 3]);
  const rsList = await json(["get", "rs", "-n", ns]);
  assert.equal(rsList.items.length, 1, "scaling makes no new ReplicaSet");
});

test("set image rolls out a new ReplicaSet; rollout history, undo, restart, pause and resume work unchanged", async () => {
  const ns = await namespace();
  await ok(["apply", "-n", ns, "-f", "-"], deployment("app", fleet.image, 2));
  await ok(["rollout", "status", "-n", ns, "deployment/app", "--timeout=60s"]);
  const image2 = `${fleet.image.replace(/:latest$/, "")}:v2`;
  await ok(["set", "image", "-n", ns, "deployment/app", `c=${image2}`]);
  await ok(["rollout", "status", "-n", ns, "deployment/app", "--timeout=60s"]);
  const rs = (await json(["get", "rs", "-n", ns])).items as Array<{ metadata: { name: string; annotations: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } }>;
  assert.equal(rs.length, 2);
  const byRevision = Object.fromEntries(rs.map((r) => [r.metadata.annotations["deployment.kubernetes.io/revision"], r]));
  assert.equal(byRevision["1"]!.spec.replicas, 0);
  assert.equal(byRevision["2"]!.spec.replicas, 2);
  assert.equal(byRevision["2"]!.spec.template.spec.containers[0]!.image, image2);
  assert.ok(alive(await podsIn(ns)).every((p) => p.spec.containers[0]!.image === image2));

  const history = await ok(["rollout", "history", "-n", ns, "deployment/app"]);
  assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  assert.match(await ok(["rollout", "history", "-n", ns, "deployment/app", "--revision=2"]), new RegExp(`Image:\\s+${image2.replace(/[.]/g, "\\.")}`));

  await ok(["rollout", "undo", "-n", ns, "deployment/app"]);
  await ok(["rollout", "status", "-n", ns, "deployment/app", "--timeout=60s"]);
  const undone = await json(["get", "deployment", "-n", ns, "app"]);
  assert.equal(undone.spec.template.spec.containers[0].image, fleet.image);
  assert.equal(undone.metadata.annotations["deployment.kubernetes.io/revision"], "3");
  assert.match(await ok(["rollout", "history", "-n", ns, "deployment/app"]), /\n2\s+<none>\n3\s+<none>/, "revision 1 became 3");
  assert.equal((await json(["get", "rs", "-n", ns])).items.length, 2, "the old ReplicaSet was reused");

  await ok(["rollout", "restart", "-n", ns, "deployment/app"]);
  await ok(["rollout", "status", "-n", ns, "deployment/app", "--timeout=60s"]);
  assert.equal((await json(["get", "rs", "-n", ns])).items.length, 3, "a restart makes a new ReplicaSet");

  await ok(["rollout", "pause", "-n", ns, "deployment/app"]);
  await until(async () => (await json(["get", "deployment", "-n", ns, "app"])).status.conditions.some((c: { type: string; reason: string }) => c.type === "Progressing" && c.reason === "DeploymentPaused"), 10_000, "DeploymentPaused");
  await ok(["set", "image", "-n", ns, "deployment/app", `c=${fleet.image.replace(/:latest$/, "")}:v3`]);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await json(["get", "rs", "-n", ns])).items.length, 3, "no rollout while paused");
  await ok(["rollout", "resume", "-n", ns, "deployment/app"]);
  await ok(["rollout", "status", "-n", ns, "deployment/app", "--timeout=60s"]);
  assert.equal((await json(["get", "rs", "-n", ns])).items.length, 4);
});

test("kubectl rollout status gives up on a Deployment past its progressDeadlineSeconds", async () => {
  const ns = await namespace();
  const stuck = JSON.parse(deployment("stuck", fleet.image, 1));
  stuck.spec.progressDeadlineSeconds = 2;
  stuck.spec.template.spec.containers[0].resources.requests.cpu = "4096";
  await ok(["apply", "-n", ns, "-f", "-"], JSON.stringify(stuck));
  const r = await k.run(["rollout", "status", "-n", ns, "deployment/stuck", "--timeout=30s"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error: deployment "stuck" exceeded its progress deadline/);
});

test("a ReplicationController keeps 2 pods", async () => {
  const ns = await namespace();
  await ok(["apply", "-n", ns, "-f", "-"], JSON.stringify({
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: "rc" },
    spec: { replicas: 2, selector: { app: "rc" }, template: { metadata: { labels: { app: "rc" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: fleet.image, command: SLEEP }] } } },
  }));
  await until(async () => alive(await podsIn(ns)).filter((p) => p.spec.nodeName).length === 2, 20_000, "2 pods bound");
  const [first] = alive(await podsIn(ns));
  await ok(["delete", "pod", "-n", ns, first!.metadata.name, "--wait=false"]);
  await until(async () => {
    const now = alive(await podsIn(ns));
    return now.length === 2 && !now.some((p) => p.metadata.uid === first!.metadata.uid);
  }, 20_000, "the RC's pod replaced");
  await until(async () => (await json(["get", "rc", "-n", ns, "rc"])).status.readyReplicas === 2, 20_000, "readyReplicas 2");
  assert.deepEqual(rows(await ok(["get", "rc", "-n", ns, "rc"]))[1]!.slice(0, 4), ["rc", "2", "2", "2"]);
});

test("a pod that fits nowhere stays Pending and says why in kube-scheduler's words", async () => {
  const ns = await namespace();
  const cpus = Number((await json(["get", "node", nodeB])).status.allocatable.cpu);
  await ok(["cordon", nodeA]);
  try {
    await ok(["run", "big", "-n", ns, `--image=${fleet.image}`, "--restart=Never", `--overrides=${JSON.stringify({ spec: { containers: [{ name: "big", image: fleet.image, resources: { requests: { cpu: String(cpus + 1) } } }] } })}`]);
    const want = "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.";
    await until(async () => (await json(["get", "events", "-n", ns, "--field-selector", "reason=FailedScheduling"])).items.some((e: { message: string }) => e.message === want), 20_000, "the FailedScheduling event");
    const pod = await json(["get", "pod", "-n", ns, "big"]);
    assert.equal(pod.status.phase, "Pending");
    assert.equal(pod.spec.nodeName, undefined);
    const cond = pod.status.conditions.find((c: { type: string }) => c.type === "PodScheduled");
    assert.deepEqual([cond.status, cond.reason, cond.message], ["False", "Unschedulable", want]);
    assert.match(await ok(["describe", "pod", "-n", ns, "big"]), /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/2 nodes are available: 1 Insufficient cpu, 1 node\(s\) were unschedulable\./);
  } finally {
    await ok(["uncordon", nodeA]);
  }
});

test("kubectl drain cordons the node and moves its pods to the other one", async () => {
  const ns = await namespace();
  await ok(["apply", "-n", ns, "-f", "-"], deployment("drained", fleet.image, 4));
  await ok(["rollout", "status", "-n", ns, "deployment/drained", "--timeout=60s"]);
  assert.equal(alive(await podsIn(ns)).filter((p) => p.spec.nodeName === nodeB).length, 2);
  try {
    const out = await ok(["drain", nodeB, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s"]);
    assert.match(out, new RegExp(`node/${nodeB} drained`));
    const spec = (await json(["get", "node", nodeB])).spec;
    assert.equal(spec.unschedulable, true);
    await ok(["rollout", "status", "-n", ns, "deployment/drained", "--timeout=60s"]);
    const now = alive(await podsIn(ns));
    assert.equal(now.length, 4);
    assert.ok(now.every((p) => p.spec.nodeName === nodeA), "every pod on the other node");
  } finally {
    await ok(["uncordon", nodeB]);
  }
});

test("kill -9 an agent: its node goes NotReady and pods tolerating unreachable for 5 s come back on the other host", async () => {
  const ns = await namespace();
  const tolerations = [
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 },
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 },
  ];
  await ok(["apply", "-n", ns, "-f", "-"], JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "survivor" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "survivor" } },
      template: { metadata: { labels: { app: "survivor" } }, spec: { tolerations, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: fleet.image, command: SLEEP }] } },
    },
  }));
  await ok(["rollout", "status", "-n", ns, "deployment/survivor", "--timeout=60s"]);
  const before = alive(await podsIn(ns));
  const lost = before.find((p) => p.spec.nodeName === nodeB);
  assert.ok(lost, "one pod on each node");

  const killedAt = Date.now();
  await second.agent.kill();
  await until(async () => rows(await ok(["get", "node", nodeB]))[1]![1] === "NotReady", 20_000, "the node NotReady");
  const taints = (await json(["get", "node", nodeB])).spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`).sort();
  assert.deepEqual(taints, ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
  await until(async () => {
    const now = alive(await podsIn(ns));
    return now.length === 2 && now.every((p) => p.spec.nodeName === nodeA);
  }, 30_000, "both pods on the live node");
  assert.ok(Date.now() - killedAt >= 5000, "not before the 5 s toleration");
  const evictions = await json(["get", "events", "-n", ns, "--field-selector", "reason=TaintManagerEviction"]);
  assert.deepEqual(evictions.items.map((e: { involvedObject: { name: string } }) => e.involvedObject.name), [lost!.metadata.name]);
  // Nobody is there to confirm its end: the evicted pod is force-deleted once its grace period is over.
  await until(async () => !(await podsIn(ns)).some((p) => p.metadata.uid === lost!.metadata.uid), 20_000, "the lost pod removed");
});
