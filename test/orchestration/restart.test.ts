// Restarts leave running pods alone. A control plane with two real agents (two Nodes) runs a Deployment of 3 pods with
// a readiness probe; then the control plane is stopped (SIGTERM, and in another case SIGKILL, its embedded PostgreSQL
// left running as after a crash) and started again on the same database and port — and, apart, one agent is killed
// with SIGKILL and started again on its root. Each time, once the hosts are back and the controllers lead again (a new
// ReplicaSet's pod runs Ready through scheduler, dispatch and agent), the Deployment's pods are the same objects (uids),
// every container the same one (its ID and, as the agent's Docker API sees it, its pid and start time), restartCount 0,
// Ready since the same moment, no ReplicaSet or pod made or removed, and the Deployment still Available.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { ExtraAgent, FleetHost } from "../support/fleet-host";
import { startTwoNodeCluster, type TwoNodeCluster } from "../support/two-node-cluster";
import { api } from "../support/session";
import { until, type Kube } from "../k8s/support";

let cluster: TwoNodeCluster;
let fleet: FleetHost;
let second: ExtraAgent;
let k: Kube;
const ns = `rst${process.pid}`;
const LEADS = "this replica leads: starting the scheduler and controllers";

before(async () => {
  // The default heartbeat grace (25 s stale): a restart of a few seconds is no reason to doubt a host.
  cluster = await startTwoNodeCluster("rst", { cpEnv: { GANTRY_NODE_SYNC_MS: "250" } });
  ({ fleet, second, k } = cluster);
  await ok(["create", "namespace", ns]);
  await ok(["create", "namespace", `${ns}-probe`]);
  await ok(["apply", "-n", ns, "-f", "-"], JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "steady" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "steady" } },
      template: {
        metadata: { labels: { app: "steady" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: "c",
            image: fleet.image,
            command: ["sleep", "3600"],
            readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 },
            resources: { requests: { cpu: "10m", memory: "16Mi" } },
          }],
        },
      },
    },
  }));
  await ok(["rollout", "status", "-n", ns, "deployment/steady", "--timeout=60s"]);
});

after(async () => {
  await cluster?.destroy();
});

const ok = (args: string[], stdin?: string) => cluster.ok(args, stdin);
const json = async (args: string[]) => JSON.parse(await ok([...args, "-o", "json"]));

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }>;
    containerStatuses?: Array<{ name: string; containerID?: string; restartCount: number; ready: boolean; state: { running?: { startedAt: string } } }>;
  };
}
/** The pods of the Deployment as the API shows them: identity, node, Ready since when, each container's ID, restarts and start. */
async function apiView() {
  const pods = ((await json(["get", "pods", "-n", ns])).items as PodJson[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return pods.map((p) => ({
    name: p.metadata.name,
    uid: p.metadata.uid,
    deleting: !!p.metadata.deletionTimestamp,
    node: p.spec.nodeName,
    readySince: p.status.conditions?.find((c) => c.type === "Ready" && c.status === "True")?.lastTransitionTime ?? null,
    containers: (p.status.containerStatuses ?? []).map((c) => ({ name: c.name, id: c.containerID, restartCount: c.restartCount, ready: c.ready, startedAt: c.state.running?.startedAt })),
  }));
}

/** The namespace's containers (sandboxes too) on both agents, through each agent's Docker API: name → id, pid, start. */
async function agentView(): Promise<Record<string, { id: string; pid: number; startedAt: string; running: boolean }>> {
  const out: Record<string, { id: string; pid: number; startedAt: string; running: boolean }> = {};
  for (const root of [fleet.agent.root, second.root]) {
    const docker = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile("/usr/local/bin/docker", args, { env: { ...process.env, DOCKER_HOST: `unix://${join(root, "docker.sock")}` } }, (e, o, err) => (e ? reject(new Error(String(err))) : resolve(String(o)))),
      );
    const ids = (await docker(["ps", "-aq", "--filter", `label=io.kubernetes.pod.namespace=${ns}`])).split("\n").filter(Boolean);
    if (!ids.length) continue;
    for (const c of JSON.parse(await docker(["inspect", ...ids])) as Array<{ Id: string; Name: string; State: { Pid: number; StartedAt: string; Running: boolean } }>) {
      out[c.Name.slice(1)] = { id: c.Id, pid: c.State.Pid, startedAt: c.State.StartedAt, running: c.State.Running };
    }
  }
  return out;
}

const replicaSets = async () => ((await json(["get", "rs", "-n", ns])).items as Array<{ metadata: { uid: string; name: string } }>).map((r) => `${r.metadata.name}/${r.metadata.uid}`).sort();

async function hostsBack(): Promise<void> {
  for (const id of [fleet.hostId, second.hostId]) {
    await until(async () => {
      const h = (await api(fleet.cp, fleet.ownerCookie).get(`/api/v1/hosts/${id}`)).body;
      return h?.status === "online" && h?.connected === true;
    }, 60_000, `host ${id} connected again`);
  }
}

let probes = 0;
/** The controllers, scheduler, dispatch and agents all work again: a new ReplicaSet's pod is placed, run and Ready. */
async function controllersWork(): Promise<void> {
  const name = `probe-${++probes}`;
  await ok(["apply", "-n", `${ns}-probe`, "-f", "-"], JSON.stringify({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: `${ns}-probe` },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: fleet.image, command: ["sleep", "3600"] }] } } },
  }));
  await until(async () => (await json(["get", "rs", "-n", `${ns}-probe`, name])).status?.readyReplicas === 1, 60_000, `the ReplicaSet ${name}'s pod Ready`);
}

async function assertUntouched(label: string, before: { api: Awaited<ReturnType<typeof apiView>>; agents: Awaited<ReturnType<typeof agentView>>; rs: string[] }) {
  const nowApi = await apiView();
  assert.deepEqual(nowApi, before.api, `${label}: the same pods, the same containers, not restarted, Ready since the same time`);
  const nowAgents = await agentView();
  assert.deepEqual(nowAgents, before.agents, `${label}: on the agents, the same containers still running with the same pids and start times`);
  assert.deepEqual(await replicaSets(), before.rs, `${label}: no ReplicaSet made or removed`);
  const d = await json(["get", "deployment", "-n", ns, "steady"]);
  assert.equal(d.status.observedGeneration, d.metadata.generation, `${label}: the Deployment controller has seen the Deployment`);
  assert.deepEqual([d.status.replicas, d.status.updatedReplicas, d.status.readyReplicas, d.status.availableReplicas], [3, 3, 3, 3], label);
  assert.equal(d.status.conditions.find((c: { type: string }) => c.type === "Available")?.status, "True", `${label}: still Available`);
}

async function recorded() {
  const api = await apiView();
  assert.equal(api.length, 3);
  assert.deepEqual(new Set(api.map((p) => p.node)), new Set(cluster.nodes), "spread over both hosts");
  for (const p of api) {
    assert.ok(p.readySince, `${p.name} Ready`);
    assert.deepEqual(p.containers.map((c) => [c.name, c.restartCount, c.ready, !!c.startedAt, /^gantry:\/\/[0-9a-f]{64}$/.test(c.id ?? "")]), [["c", 0, true, true, true]]);
  }
  const agents = await agentView();
  // A sandbox and the container per pod, all running; the container IDs the API shows are the agents' own.
  assert.equal(Object.keys(agents).length, 6, JSON.stringify(Object.keys(agents)));
  assert.ok(Object.values(agents).every((c) => c.running && c.pid > 0));
  const ids = new Set(Object.values(agents).map((c) => `gantry://${c.id}`));
  for (const p of api) assert.ok(ids.has(p.containers[0]!.id!), `${p.name}'s container is one the agent runs`);
  return { api, agents, rs: await replicaSets() };
}

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  test(`the control plane stopped with ${signal} and started again on the same database: no pod restarted, none made or removed`, async (t) => {
    const before = await recorded();
    const stoppedAt = Date.now();
    await fleet.restartControlPlane(signal);
    t.diagnostic(`${signal}: answering again ${Date.now() - stoppedAt} ms after the stop`);
    await hostsBack();
    await until(() => fleet.cp.output().includes(LEADS), 30_000, "the controllers to start again");
    await controllersWork();
    t.diagnostic(`${signal}: hosts back and controllers working ${Date.now() - stoppedAt} ms after the stop`);
    await assertUntouched(`after ${signal}`, before);
  });
}

test("an agent killed with SIGKILL and started again: its pods' containers kept running, nothing made again", async (t) => {
  const before = await recorded();
  const onB = before.api.filter((p) => p.node === cluster.nodes[1]).length;
  assert.ok(onB >= 1, "a pod on the agent that restarts");
  const killedAt = Date.now();
  await second.restartAgent("SIGKILL");
  await second.agent.waitForOutput(/adopted \d+ container\(s\)/, 30_000);
  await hostsBack();
  t.diagnostic(`agent back ${Date.now() - killedAt} ms after the kill`);
  await controllersWork();
  await assertUntouched("after the agent's restart", before);
});
