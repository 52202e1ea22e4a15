// A pod's life on the agent, against the real engine: restarts spaced by Kubernetes' back-off (CrashLoopBackOff,
// restartCount, lastState), restartPolicy OnFailure and Never, a liveness probe that fails restarts the container, a
// readiness probe gates Ready, a deleted pod stops gracefully (preStop first, then the stop signal, SIGKILL after the
// grace period), image pulls that fail (ErrImagePull, then ImagePullBackOff), hostPath only with host access, and
// resources as cgroup limits. The first restart back-off is 1 s here (GANTRY_RESTART_DELAY_MS), doubling as in Kubernetes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newUid, startPodHost, type PodHost } from "../support/pod-host";
import type { AgentPodInput, PodStatus } from "@/lib/protocol/pods";

let h: PodHost;
let hostDir: string;

before(async () => {
  h = await startPodHost("gpl", { GANTRY_RESTART_DELAY_MS: "1000" });
  hostDir = mkdtempSync(join(tmpdir(), "gantry-hostpath-"));
});

after(async () => {
  if (process.env.GANTRY_TEST_AGENT_LOG) console.log(h?.agent.output());
  await h?.destroy();
  rmSync(hostDir, { recursive: true, force: true });
});

function pod(name: string, spec: Partial<AgentPodInput> & Pick<AgentPodInput, "containers">): AgentPodInput {
  return { uid: newUid(), name, namespace: "default", hostname: name, restartPolicy: "Always", terminationGracePeriodSeconds: 5, ...spec };
}

const container = (name: string, command: string[], extra: Record<string, unknown> = {}) => ({
  name,
  image: h.image,
  imagePullPolicy: "IfNotPresent" as const,
  command,
  ...extra,
});

const c0 = (s: PodStatus) => s.containerStatuses[0]!;

test("a crashing container restarts with Kubernetes' back-off: at once, then 1 s, 2 s, 4 s; CrashLoopBackOff while it waits", async () => {
  const p = pod("crash", { containers: [container("app", ["sh", "-c", "exit 3"])] });
  await h.server.sync([p]);
  await h.server.status(p.uid, "restart 4", (s) => c0(s).restartCount >= 4 && !!c0(s).state.running, 30_000);
  // When each attempt was first seen running.
  const firstRun = new Map<number, number>();
  for (const { at, status } of h.server.statuses.get(p.uid)!) {
    const c = c0(status);
    if (c.state.running && !firstRun.has(c.restartCount)) firstRun.set(c.restartCount, at);
  }
  const waits = [1, 2, 3, 4].map((n) => (firstRun.get(n)! - firstRun.get(n - 1)!) / 1000);
  assert.ok(waits[0]! < 0.9, `the first restart is at once (${waits})`);
  assert.ok(waits[1]! >= 0.9 && waits[1]! < 2.5, `then 1 s (${waits})`);
  assert.ok(waits[2]! >= 1.9 && waits[2]! < 3.5, `then 2 s (${waits})`);
  assert.ok(waits[3]! >= 3.9 && waits[3]! < 6, `then 4 s (${waits})`);
  const backoff = h.server.statuses.get(p.uid)!.map((s) => c0(s.status)).find((c) => c.state.waiting?.reason === "CrashLoopBackOff");
  assert.ok(backoff, "it waited in CrashLoopBackOff");
  assert.match(backoff!.state.waiting!.message ?? "", /^back-off \d+s restarting failed container=app pod=crash_default\(/);
  assert.equal(backoff!.lastState.terminated?.exitCode, 3);
  assert.equal(backoff!.lastState.terminated?.reason, "Error");
  const latest = h.server.latest(p.uid)!;
  assert.equal(latest.phase, "Running", "a restartPolicy Always pod stays Running");
  // Only the current attempt and the one before it are kept on the host.
  const names = (await h.ok(["ps", "-a", "--format", "{{.Names}}", "--filter", `label=io.kubernetes.pod.uid=${p.uid}`])).split("\n").filter(Boolean).sort();
  const n = c0(latest).restartCount;
  assert.ok(names.includes(`k8s_app_crash_default_${p.uid}_${n}`) || names.includes(`k8s_app_crash_default_${p.uid}_${n + 1}`), names.join(" "));
  assert.ok(names.filter((x) => x.startsWith("k8s_app_")).length <= 3, `old attempts are removed: ${names.join(" ")}`);
  await h.server.sync([]);
});

test("restartPolicy OnFailure ends Succeeded after a clean exit; Never ends Failed after a failing one", async () => {
  const ok = pod("once", { restartPolicy: "OnFailure", containers: [container("app", ["true"])] });
  const bad = pod("never", { restartPolicy: "Never", containers: [container("app", ["sh", "-c", "exit 7"])] });
  await h.server.sync([ok, bad]);
  const s1 = await h.server.status(ok.uid, "Succeeded", (s) => s.phase === "Succeeded");
  assert.equal(c0(s1).state.terminated?.reason, "Completed");
  assert.equal(s1.conditions.find((c) => c.type === "Ready")?.reason, "PodCompleted");
  const s2 = await h.server.status(bad.uid, "Failed", (s) => s.phase === "Failed");
  assert.equal(c0(s2).state.terminated?.exitCode, 7);
  assert.equal(c0(s2).restartCount, 0);
  await h.server.sync([]);
});

test("a failing liveness probe restarts the container; a readiness probe (httpGet) gates Ready", async () => {
  const p = pod("probed", {
    terminationGracePeriodSeconds: 1, // httpd, pid 1 with no handler, ignores SIGTERM: killed after the grace
    containers: [
      container("app", ["sh", "-c", "mkdir -p /www && touch /tmp/alive && exec httpd -f -p 8080 -h /www"], {
        ports: [{ containerPort: 8080 }],
        livenessProbe: { exec: { command: ["cat", "/tmp/alive"] }, periodSeconds: 1, failureThreshold: 2 },
        readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 1 },
      }),
    ],
  });
  await h.server.sync([p]);
  const name = `k8s_app_probed_default_${p.uid}_0`;
  const notReady = await h.server.status(p.uid, "running, not ready", (s) => !!c0(s).state.running);
  assert.equal(c0(notReady).ready, false);
  assert.equal(notReady.conditions.find((c) => c.type === "Ready")?.status, "False");
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(c0(h.server.latest(p.uid)!).ready, false, "not ready while /ready answers 404");
  await h.ok(["exec", name, "sh", "-c", "echo ok > /www/ready"]);
  const ready = await h.server.status(p.uid, "Ready", (s) => c0(s).ready);
  assert.equal(ready.conditions.find((c) => c.type === "Ready")?.status, "True");
  assert.equal(ready.conditions.find((c) => c.type === "ContainersReady")?.status, "True");
  await h.ok(["exec", name, "rm", "/www/ready"]);
  await h.server.status(p.uid, "not ready again", (s) => !c0(s).ready);
  // Liveness fails twice in a row: the container is stopped and started again as attempt 1.
  await h.ok(["exec", name, "rm", "/tmp/alive"]);
  const restarted = await h.server.status(p.uid, "restarted by liveness", (s) => c0(s).restartCount === 1 && !!c0(s).state.running, 20_000);
  assert.ok(restarted.containerStatuses[0]!.lastState.terminated, "the killed attempt is the last state");
  assert.equal(c0(restarted).ready, false, "the new attempt is not ready before its readiness probe says so");
  await h.server.sync([]);
});

test("a deleted pod stops gracefully: its preStop hook, then SIGTERM; one ignoring SIGTERM is killed after the grace period", async () => {
  const script = "trap 'echo term >> /data/log; exit 0' TERM; echo started >> /data/log; while true; do sleep 0.1; done";
  const p = pod("graceful", {
    volumes: [{ name: "data", emptyDir: {} }],
    containers: [
      container("app", ["sh", "-c", script], { volumeMounts: [{ name: "data", mountPath: "/data" }], lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo prestop >> /data/log"] } } } }),
      container("stubborn", ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]),
    ],
  });
  await h.server.sync([p]);
  await h.server.status(p.uid, "Running", (s) => s.phase === "Running" && s.containerStatuses.every((c) => c.state.running));
  const deletedAt = Date.now();
  await h.server.sync([{ ...p, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 3 }]);
  const done = await h.server.status(p.uid, "stopped with a final phase", (s) => s.phase === "Succeeded" || s.phase === "Failed", 20_000);
  const took = (Date.now() - deletedAt) / 1000;
  const log = readFileSync(join(h.root, "pods", p.uid, "volumes", "empty-dir", "data", "log"), "utf8");
  assert.equal(log, "started\nprestop\nterm\n", "the preStop hook ran before the stop signal");
  const app = done.containerStatuses.find((c) => c.name === "app")!;
  const stubborn = done.containerStatuses.find((c) => c.name === "stubborn")!;
  assert.equal(app.state.terminated?.exitCode, 0);
  assert.equal(stubborn.state.terminated?.exitCode, 137, "SIGKILL after the grace period");
  assert.equal(done.phase, "Failed", "a pod whose container was killed ends Failed");
  assert.ok(took >= 2.5 && took < 10, `stopped within the grace period (${took} s)`);
  // Removed from the desired set, its containers and volumes go.
  await h.server.sync([]);
  const deadline = Date.now() + 10_000;
  while ((await h.ok(["ps", "-aq", "--filter", `label=io.kubernetes.pod.uid=${p.uid}`])).trim() || existsSync(join(h.root, "pods", p.uid))) {
    assert.ok(Date.now() < deadline, "the pod's containers and directory are removed");
    await new Promise((r) => setTimeout(r, 200));
  }
});

test("an image that cannot be pulled: ErrImagePull, then ImagePullBackOff; imagePullPolicy Never without the image: ErrImageNeverPull", async () => {
  const p = pod("pull", { containers: [{ name: "app", image: `${h.registry.host}/nothing-here:v1`, imagePullPolicy: "Always", command: ["true"] }] });
  const q = pod("never-pull", { containers: [{ name: "app", image: `${h.registry.host}/not-local:v1`, imagePullPolicy: "Never", command: ["true"] }] });
  await h.server.sync([p, q]);
  const err = await h.server.status(p.uid, "ErrImagePull", (s) => c0(s).state.waiting?.reason === "ErrImagePull");
  assert.match(c0(err).state.waiting!.message ?? "", /nothing-here/);
  await h.server.status(p.uid, "ImagePullBackOff", (s) => c0(s).state.waiting?.reason === "ImagePullBackOff");
  assert.equal(h.server.latest(p.uid)!.phase, "Pending");
  const never = await h.server.status(q.uid, "ErrImageNeverPull", (s) => c0(s).state.waiting?.reason === "ErrImageNeverPull");
  assert.match(c0(never).state.waiting!.message ?? "", /not present with pull policy of Never/);
  await h.server.sync([]);
});

test("hostPath only when the control plane vouches for host access; resources become cgroup limits", async () => {
  const volumes = [{ name: "host", hostPath: { path: hostDir, type: "Directory" as const } }];
  const mounts = { volumeMounts: [{ name: "host", mountPath: "/host" }] };
  const refused = pod("no-host", { volumes, containers: [container("app", ["sleep", "3600"], mounts)] });
  const allowed = pod("host", {
    hostAccess: true,
    volumes,
    containers: [container("app", ["sh", "-c", "echo from-pod > /host/out; exec sleep 3600"], { ...mounts, resources: { limits: { cpuMillis: 250, memoryBytes: 64 << 20 }, requests: { cpuMillis: 100 } } })],
  });
  await h.server.sync([refused, allowed]);
  const r = await h.server.status(refused.uid, "waiting on the volume", (s) => /containers\.host-access/.test(c0(s).state.waiting?.message ?? ""));
  assert.equal(c0(r).state.waiting?.reason, "ContainerCreating");
  assert.equal(r.phase, "Pending");
  const a = await h.server.status(allowed.uid, "Running", (s) => s.phase === "Running");
  assert.equal(a.qosClass, "Burstable");
  await h.server.until("the pod's file on the host", () => existsSync(join(hostDir, "out")));
  assert.equal(readFileSync(join(hostDir, "out"), "utf8"), "from-pod\n");
  const [inspect] = JSON.parse(await h.ok(["inspect", `k8s_app_host_default_${allowed.uid}_0`]));
  assert.equal(inspect.HostConfig.Memory, 64 << 20);
  assert.equal(inspect.HostConfig.MemorySwap, 64 << 20, "no swap beyond the limit");
  assert.equal(inspect.HostConfig.CpuQuota, 25_000);
  assert.equal(inspect.HostConfig.CpuPeriod, 100_000);
  assert.equal(inspect.HostConfig.CpuShares, 102);
  // The kernel's own word: the container's cgroup.
  const v1 = existsSync("/sys/fs/cgroup/memory/gantry");
  const read = (v1path: string, v2path: string) => readFileSync(v1 ? `/sys/fs/cgroup/${v1path}` : `/sys/fs/cgroup/${v2path}`, "utf8").trim();
  assert.equal(read(`memory/gantry/${inspect.Id}/memory.limit_in_bytes`, `gantry/${inspect.Id}/memory.max`), String(64 << 20));
  if (v1) assert.equal(read(`cpu/gantry/${inspect.Id}/cpu.cfs_quota_us`, ""), "25000");
  else assert.equal(read("", `gantry/${inspect.Id}/cpu.max`), "25000 100000");
  await h.server.sync([]);
});

test("a sandbox that goes away is made again, and the pod's containers start over in it", async () => {
  const p = pod("resandbox", { terminationGracePeriodSeconds: 1, containers: [container("app", ["sleep", "3600"])] });
  await h.server.sync([p]);
  await h.server.status(p.uid, "Running", (s) => s.phase === "Running" && !!s.podIP);
  await h.ok(["rm", "-f", `k8s_POD_resandbox_default_${p.uid}_0`]);
  const s = await h.server.status(p.uid, "running again in a new sandbox", (st) => c0(st).restartCount === 1 && !!c0(st).state.running && !!st.podIP, 20_000);
  const [sandbox] = JSON.parse(await h.ok(["inspect", `k8s_POD_resandbox_default_${p.uid}_1`]));
  assert.equal(sandbox.State.Running, true);
  const addr = await h.ok(["exec", `k8s_app_resandbox_default_${p.uid}_1`, "ip", "-4", "-o", "addr", "show", "eth0"]);
  assert.match(addr, new RegExp(`inet ${s.podIP!.replace(/\./g, "\\.")}/`), "the new container is in the new sandbox's network");
  await h.server.sync([]);
});

test("a startup probe holds liveness and readiness back until it succeeds", async () => {
  const check = { exec: { command: ["test", "-f", "/tmp/started"] }, periodSeconds: 1 };
  const p = pod("slow-start", {
    containers: [
      container("app", ["sh", "-c", "sleep 3; touch /tmp/started; exec sleep 3600"], {
        startupProbe: { ...check, failureThreshold: 10 },
        // Alone, this liveness probe would kill the container before it has started.
        livenessProbe: { ...check, failureThreshold: 1 },
      }),
    ],
  });
  await h.server.sync([p]);
  const early = await h.server.status(p.uid, "running, not started", (s) => !!c0(s).state.running);
  assert.equal(c0(early).started, false);
  assert.equal(c0(early).ready, false);
  const started = await h.server.status(p.uid, "started and ready", (s) => c0(s).started === true && c0(s).ready);
  assert.equal(c0(started).restartCount, 0, "liveness did not run before startup succeeded");
  await h.server.sync([]);
});
