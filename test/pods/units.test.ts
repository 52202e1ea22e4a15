// The pods' pure parts: Kubernetes' restart back-off on an injected clock, $(VAR) expansion and command/args against
// the image's ENTRYPOINT/CMD, the pod phase and conditions as the kubelet computes them, the conversion of a Pod object
// into what its host runs (references resolved, items and modes, the kubelet's messages for what is missing), and the
// protocol's refusals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BackOff } from "@/agent/pods/backoff";
import { createPlan, expand, podDns } from "@/agent/pods/container-config";
import { computePodStatus, type ContainerView, type PodView } from "@/agent/pods/status";
import { toAgentPod, type References } from "@/lib/pods/to-agent-pod";
import { mergeStatus } from "@/lib/pods/record-pod-status";
import { AgentPod, PodStatusMessage, PodsSync, type AgentContainer } from "@/lib/protocol/pods";
import type { KubeObject } from "@/lib/k8s/meta";
import type { Clock } from "@/agent/clock";

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, setTimeout: () => 0, clearTimeout: () => {}, advance: (ms) => void (now += ms) };
}

test("back-off: the first restart at once, then 10 s doubling to 5 min, counted from the exit; a long run starts over", () => {
  const clock = fakeClock();
  const b = new BackOff(clock);
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    const exited = clock.now();
    waits.push(b.remaining("p/c", exited));
    clock.advance(b.remaining("p/c", exited));
    b.next("p/c", exited);
    clock.advance(1000); // it runs a second, then fails again
  }
  assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  // It ran 11 minutes after its last restart: at once again, and the schedule starts from 10 s.
  clock.advance(11 * 60_000);
  assert.equal(b.remaining("p/c", clock.now()), 0);
  b.next("p/c", clock.now());
  assert.equal(b.delay("p/c"), 10_000);
});

test("$(VAR) expansion as Kubernetes does it; command replaces ENTRYPOINT and CMD, args replace CMD", () => {
  const vars = new Map([["A", "x"], ["B", "y"]]);
  const look = (n: string) => vars.get(n);
  assert.equal(expand("$(A)-$(B)", look), "x-y");
  assert.equal(expand("$$(A) stays, $(MISSING) stays", look), "$(A) stays, $(MISSING) stays");
  assert.equal(expand("$(A", look), "$(A");
  assert.equal(expand("cost: $5", look), "cost: $5");
  const pod = AgentPod.parse({ uid: "u-1", name: "p", namespace: "default", hostname: "p", restartPolicy: "Always", terminationGracePeriodSeconds: 30, containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent" }] });
  const plan = (c: Partial<AgentContainer>) =>
    createPlan(pod, { ...pod.containers[0]!, ...c }, { sandboxId: "s", restartCount: 0, init: false, volumes: new Map(), subPathSource: (v) => v.source, podIP: "10.1.0.2", hostIP: "192.0.2.1", podNetwork: null }).body;
  assert.deepEqual([plan({}).Entrypoint, plan({}).Cmd], [undefined, undefined], "neither: the image's own");
  assert.deepEqual([plan({ command: ["run"] }).Entrypoint, plan({ command: ["run"] }).Cmd], [["run"], []], "command: the image's CMD is dropped too");
  assert.deepEqual([plan({ args: ["--x"] }).Entrypoint, plan({ args: ["--x"] }).Cmd], [undefined, ["--x"]], "args: the image's ENTRYPOINT with them");
  const both = plan({ command: ["echo"], args: ["$(WHO)", "$(POD_IP)"], env: [{ name: "WHO", value: "me" }, { name: "POD_IP", fieldPath: "status.podIP" }] });
  assert.deepEqual([both.Entrypoint, both.Cmd], [["echo"], ["me", "10.1.0.2"]]);
  const hc = plan({ resources: { limits: { cpuMillis: 1500, memoryBytes: 128 << 20 }, requests: {} } }).HostConfig as Record<string, unknown>;
  assert.deepEqual([hc.CpuQuota, hc.CpuPeriod, hc.CpuShares, hc.Memory, hc.MemorySwap], [150_000, 100_000, 1536, 128 << 20, 128 << 20], "a limit alone stands for the request");
  assert.equal((plan({}).HostConfig as Record<string, unknown>).CpuShares, 2, "BestEffort: the minimum shares");
  assert.equal((plan({}).HostConfig as Record<string, unknown>).NetworkMode, "container:s");
});

test("dnsPolicy: ClusterFirst resolves through the pod network's gateway with the namespace's search path and ndots:5; Default and None as the kubelet makes them", () => {
  const base = { uid: "u-1", name: "p", namespace: "shop", hostname: "p", restartPolicy: "Always", terminationGracePeriodSeconds: 30, containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent" }] };
  const net = { gateway: "10.244.3.1", clusterDomain: "cluster.local" };
  assert.deepEqual(podDns(AgentPod.parse(base), net), { Dns: ["10.244.3.1"], DnsSearch: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"], DnsOptions: ["ndots:5"] });
  assert.equal(podDns(AgentPod.parse({ ...base, dnsPolicy: "Default" }), net), null, "Default: the host's resolv.conf");
  assert.equal(podDns(AgentPod.parse(base), null), null, "no pod network: the host's");
  const extra = { nameservers: ["10.0.0.53"], searches: ["corp.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] };
  assert.deepEqual(podDns(AgentPod.parse({ ...base, dnsConfig: extra }), net), {
    Dns: ["10.244.3.1", "10.0.0.53"],
    DnsSearch: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"],
    DnsOptions: ["ndots:2", "edns0"],
  });
  assert.deepEqual(podDns(AgentPod.parse({ ...base, dnsPolicy: "None", dnsConfig: extra }), net), { Dns: ["10.0.0.53"], DnsSearch: ["corp.example"], DnsOptions: ["ndots:2", "edns0"] });
});

const spec = (name: string, extra: Partial<AgentContainer> = {}): AgentContainer => ({ name, image: "busybox", imagePullPolicy: "IfNotPresent", env: [], ports: [], resources: { limits: {}, requests: {} }, volumeMounts: [], stdin: false, tty: false, ...extra });
const attempt = (id: string, over: Record<string, unknown> = {}) => ({ id, running: false, hasStarted: true, startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:05.000Z", exitCode: 0, oomKilled: false, error: "", imageId: "sha256:1", ...over });
const view = (over: Partial<ContainerView> & { spec: AgentContainer }): ContainerView => ({ restartCount: 0, current: null, previous: null, waiting: null, ready: false, started: false, ...over });

function podView(restartPolicy: "Always" | "OnFailure" | "Never", containers: ContainerView[], init: ContainerView[] = [], terminal = false): PodView {
  const pod = AgentPod.parse({ uid: "u-1", name: "p", namespace: "default", hostname: "p", restartPolicy, terminationGracePeriodSeconds: 30, containers: containers.map((c) => c.spec), initContainers: init.map((c) => c.spec) });
  return { pod, init, containers, podIP: "10.1.0.2", hostIP: "192.0.2.1", startTime: "2026-01-01T00:00:00Z", sandboxReady: true, terminal };
}

test("the phase as the kubelet computes it", () => {
  const running = view({ spec: spec("a"), current: attempt("1", { running: true, finishedAt: null }), ready: true, started: true });
  const done0 = view({ spec: spec("a"), current: attempt("1") });
  const failed = view({ spec: spec("a"), current: attempt("1", { exitCode: 2 }) });
  const backoff = view({ spec: spec("a"), current: attempt("1", { exitCode: 2 }), waiting: { reason: "CrashLoopBackOff" }, restartCount: 3 });
  const phase = (v: PodView) => computePodStatus(v, null, Date.parse("2026-01-01T00:01:00Z")).phase;
  assert.equal(phase(podView("Always", [running])), "Running");
  assert.equal(phase(podView("Always", [view({ spec: spec("a") })])), "Pending", "waiting, never ran");
  assert.equal(phase(podView("Always", [backoff])), "Running", "restarting under Always");
  assert.equal(phase(podView("OnFailure", [done0])), "Succeeded");
  assert.equal(phase(podView("OnFailure", [backoff])), "Running");
  assert.equal(phase(podView("Never", [failed])), "Failed");
  assert.equal(phase(podView("Never", [done0, running])), "Running");
  assert.equal(phase(podView("Always", [running], [view({ spec: spec("i"), current: attempt("0", { running: true, finishedAt: null }) })])), "Pending", "an init container still runs");
  assert.equal(phase(podView("Never", [view({ spec: spec("a") })], [view({ spec: spec("i"), current: attempt("0", { exitCode: 1 }) })])), "Failed", "an init container failed under Never");
  assert.equal(phase(podView("Always", [done0], [], true)), "Succeeded", "deleted, every container exited 0");
  assert.equal(phase(podView("Always", [failed], [], true)), "Failed");
  const s = computePodStatus(podView("Always", [backoff]), null, Date.parse("2026-01-01T00:01:00Z"));
  assert.deepEqual(s.containerStatuses[0]!.state, { waiting: { reason: "CrashLoopBackOff" } });
  assert.equal(s.containerStatuses[0]!.lastState.terminated?.exitCode, 2);
  assert.equal(s.containerStatuses[0]!.lastState.terminated?.reason, "Error");
  assert.equal(s.conditions.find((c) => c.type === "Ready")?.message, "containers with unready status: [a]");
  assert.equal(PodStatusMessage.safeParse({ uid: "u-1", status: s }).success, true, "what the agent sends parses");
});

test("a condition's lastTransitionTime moves only when its status changes", () => {
  const ready = view({ spec: spec("a"), current: attempt("1", { running: true, finishedAt: null }), ready: true, started: true });
  const first = computePodStatus(podView("Always", [ready]), null, Date.parse("2026-01-01T00:01:00Z"));
  const same = computePodStatus(podView("Always", [ready]), first, Date.parse("2026-01-01T00:02:00Z"));
  assert.equal(same.conditions.find((c) => c.type === "Ready")?.lastTransitionTime, "2026-01-01T00:01:00Z");
  const unready = computePodStatus(podView("Always", [{ ...ready, ready: false }]), same, Date.parse("2026-01-01T00:03:00Z"));
  assert.equal(unready.conditions.find((c) => c.type === "Ready")?.lastTransitionTime, "2026-01-01T00:03:00Z");
  // The stored PodScheduled (the scheduler's) is kept when the host reports.
  const merged = mergeStatus({ conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2025-12-31T00:00:00Z" }] }, unready) as { conditions: Array<{ type: string; lastTransitionTime: string }> };
  assert.equal(merged.conditions.find((c) => c.type === "PodScheduled")?.lastTransitionTime, "2025-12-31T00:00:00Z");
  assert.equal(merged.conditions.filter((c) => c.type === "PodScheduled").length, 1);
});

function refs(objects: Record<string, KubeObject>): References {
  return { configMap: async (ns, n) => objects[`cm/${ns}/${n}`] ?? null, secret: async (ns, n) => objects[`secret/${ns}/${n}`] ?? null };
}

const podObject = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "ns", uid: "11111111-2222-3333-4444-555555555555", labels: { app: "web" } }, spec: { nodeName: "host-a", ...spec } });

test("a Pod as its host runs it: items, keys and modes projected, env resolved, the kubelet's messages for what is missing", async () => {
  const objects = {
    "cm/ns/conf": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "conf" }, data: { "a.txt": "A", "b.txt": "B" }, binaryData: { "bin": Buffer.from([0, 1, 2]).toString("base64") } },
    "secret/ns/creds": { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, data: { user: Buffer.from("admin").toString("base64") } },
  } as Record<string, KubeObject>;
  const pod = podObject({
    volumes: [
      { name: "all", configMap: { name: "conf", defaultMode: 0o640 } },
      { name: "some", configMap: { name: "conf", items: [{ key: "b.txt", path: "dir/b", mode: 0o600 }] } },
      { name: "s", secret: { secretName: "creds" } },
      { name: "gone", configMap: { name: "nope", optional: true } },
      { name: "bad", configMap: { name: "nope" } },
      { name: "pvc", persistentVolumeClaim: { claimName: "x" } },
      { name: "mem", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    ],
    containers: [
      {
        name: "app",
        image: "busybox:1.36",
        imagePullPolicy: "IfNotPresent",
        envFrom: [{ configMapRef: { name: "conf" }, prefix: "CM_" }],
        env: [
          { name: "USER", valueFrom: { secretKeyRef: { name: "creds", key: "user" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
        ],
        resources: { limits: { cpu: "1.5", memory: "128Mi" }, requests: { cpu: "250m" } },
      },
      { name: "broken", image: "busybox:1.36", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "conf", key: "missing" } } }] },
      { name: "absent", image: "busybox:1.36", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nothing", key: "k" } } }] },
    ],
  });
  const a = AgentPod.parse(await toAgentPod(pod, refs(objects), { hostAccess: false }));
  const vol = (n: string) => a.volumes.find((v) => v.name === n)!;
  assert.deepEqual(vol("all").configMap!.files.map((f) => [f.path, Buffer.from(f.data, "base64").toString("latin1"), f.mode]), [["a.txt", "A", 0o640], ["b.txt", "B", 0o640], ["bin", "\u0000\u0001\u0002", 0o640]]);
  assert.deepEqual(vol("some").configMap!.files.map((f) => [f.path, f.mode]), [["dir/b", 0o600]]);
  assert.deepEqual(vol("s").secret!.files.map((f) => [f.path, Buffer.from(f.data, "base64").toString()]), [["user", "admin"]]);
  assert.deepEqual(vol("gone").configMap!.files, [], "an optional source that is missing is empty");
  assert.equal(vol("bad").error, 'configmap "nope" not found');
  assert.equal(vol("pvc").error, "persistentVolumeClaim volumes are not supported on Gantry hosts");
  assert.deepEqual(vol("mem").emptyDir, { medium: "Memory", sizeLimitBytes: 64 << 20 });
  const app = a.containers[0]!;
  const env = Object.fromEntries(app.env.map((e) => [e.name, "value" in e ? e.value : `<${e.fieldPath}>`]));
  assert.deepEqual(env, { "CM_a.txt": "A", "CM_b.txt": "B", CM_bin: "\u0000\u0001\u0002", USER: "admin", APP: "web", NODE: "host-a", IP: "<status.podIP>", MEM: "128" });
  assert.deepEqual(app.resources, { limits: { cpuMillis: 1500, memoryBytes: 128 << 20 }, requests: { cpuMillis: 250 } });
  assert.equal(a.containers[1]!.configError, "couldn't find key missing in ConfigMap ns/conf");
  assert.equal(a.containers[2]!.configError, 'secret "nothing" not found');
  assert.equal(a.restartPolicy, "Always");
  assert.equal(a.terminationGracePeriodSeconds, 30);
  const host = AgentPod.parse(await toAgentPod(podObject({ hostNetwork: true, containers: [{ name: "c", image: "busybox:1.36" }] }), refs({}), { hostAccess: false }));
  assert.match(host.containers[0]!.configError ?? "", /hostNetwork is not supported/);
});

test("the protocol refuses what no honest peer sends", () => {
  const pod = { uid: "u-1", name: "p", namespace: "default", hostname: "p", restartPolicy: "Always", terminationGracePeriodSeconds: 30, containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent" }] };
  assert.equal(PodsSync.safeParse({ pods: [pod], full: true }).success, true);
  assert.equal(PodsSync.safeParse({ pods: [pod] }).success, false, "a sync is always full");
  const bad = (over: Record<string, unknown>) => PodsSync.safeParse({ pods: [{ ...pod, ...over }], full: true }).success;
  assert.equal(bad({ uid: "../../etc" }), false);
  assert.equal(bad({ containers: [] }), false);
  assert.equal(bad({ volumes: [{ name: "v", configMap: { files: [{ path: "../escape", data: "", mode: 0o644 }] } }] }), false);
  assert.equal(bad({ volumes: [{ name: "v", configMap: { files: [{ path: "/abs", data: "", mode: 0o644 }] } }] }), false);
  assert.equal(bad({ volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/" } }] }), false, "one source per volume");
  assert.equal(bad({ containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent", livenessProbe: { periodSeconds: 1 } }] }), false, "a probe needs its action");
  assert.equal(bad({ restartPolicy: "Sometimes" }), false);
});
