// The agent's pods against the real engine: a real agent process, real containers, its real link — with the control
// plane's side of the pods protocol played by test/support/pod-host.ts. Containers sharing the sandbox's network, IPC
// and UTS namespaces; init containers to completion first; configMap files and a secret on a tmpfs; env resolved; and an
// agent restart (with the control plane away) that leaves the pod's containers running and still supervised.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { newUid, PodLinkServer, startPodHost, type PodHost } from "../support/pod-host";
import type { AgentPodInput } from "@/lib/protocol/pods";
import { REPO_ROOT } from "../support/bundle";

let h: PodHost;

before(async () => {
  h = await startPodHost("gpa");
});

after(async () => {
  await h?.destroy();
});

const b64 = (s: string) => Buffer.from(s).toString("base64");

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

/** The engine's view of a pod's containers: name → inspect. */
async function podContainers(uid: string): Promise<Map<string, any>> {
  const ids = (await h.ok(["ps", "-aq", "--filter", `label=io.kubernetes.pod.uid=${uid}`])).split("\n").filter(Boolean);
  const out = new Map<string, any>();
  for (const c of ids.length ? JSON.parse(await h.ok(["inspect", ...ids])) : []) out.set(c.Name.slice(1), c);
  return out;
}

test("two containers share the sandbox's network, IPC and UTS namespaces; status says Running and Ready with the pod's IP", async () => {
  const p = pod("web", {
    containers: [
      container("server", ["sh", "-c", "mkdir -p /www && echo hello-from-server > /www/index.html && exec httpd -f -p 8080 -h /www"], {
        ports: [{ name: "http", containerPort: 8080 }],
        readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1 },
      }),
      container("client", ["sleep", "3600"]),
    ],
  });
  await h.server.sync([p]);
  const status = await h.server.status(p.uid, "Running and Ready", (s) => s.phase === "Running" && s.conditions.some((c) => c.type === "Ready" && c.status === "True"));
  assert.ok(status.podIP, "the pod has an address");
  assert.equal(status.containerStatuses.length, 2);
  for (const c of status.containerStatuses) {
    assert.ok(c.state.running, `${c.name} runs`);
    assert.equal(c.ready, true);
    assert.equal(c.restartCount, 0);
    assert.match(c.containerID ?? "", /^gantry:\/\/[0-9a-f]{64}$/);
  }
  const cs = await podContainers(p.uid);
  const names = [...cs.keys()].sort();
  assert.deepEqual(names, [`k8s_POD_web_default_${p.uid}_0`, `k8s_client_web_default_${p.uid}_0`, `k8s_server_web_default_${p.uid}_0`]);
  const client = cs.get(`k8s_client_web_default_${p.uid}_0`);
  assert.equal(client.Config.Labels["io.kubernetes.pod.uid"], p.uid);
  assert.equal(client.Config.Labels["io.kubernetes.pod.name"], "web");
  assert.equal(client.Config.Labels["io.kubernetes.pod.namespace"], "default");
  assert.equal(client.Config.Labels["io.kubernetes.container.name"], "client");
  // The client reaches the server on localhost: one network namespace.
  assert.equal((await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "wget", "-qO-", "http://localhost:8080/"])).trim(), "hello-from-server");
  const ns = async (c: string, kind: string) => (await h.ok(["exec", c, "readlink", `/proc/self/ns/${kind}`])).trim();
  for (const kind of ["net", "ipc", "uts"]) {
    assert.equal(await ns(`k8s_client_web_default_${p.uid}_0`, kind), await ns(`k8s_server_web_default_${p.uid}_0`, kind), `${kind} namespace shared`);
  }
  assert.equal((await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "hostname"])).trim(), "web");
  // The pod's address is the sandbox's on the host's pod network: from the pod CIDR the control plane gave, its
  // gateway (.1) the default route and the nameserver (dnsPolicy ClusterFirst), with the cluster's search path.
  const addr = await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "ip", "-4", "-o", "addr", "show", "eth0"]);
  assert.match(addr, new RegExp(`inet ${status.podIP!.replace(/\./g, "\\.")}/24`));
  const prefix = h.server.podCIDR.replace(/\.0\/24$/, ".");
  assert.ok(status.podIP!.startsWith(prefix), `${status.podIP} is in ${h.server.podCIDR}`);
  const route = await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "ip", "-4", "route", "show", "default"]);
  assert.match(route, new RegExp(`via ${prefix.replace(/\./g, "\\.")}1 `));
  const resolv = await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "cat", "/etc/resolv.conf"]);
  assert.match(resolv, new RegExp(`^nameserver ${prefix.replace(/\./g, "\\.")}1$`, "m"));
  assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
  assert.match(resolv, /^options ndots:5$/m);
  assert.deepEqual(h.server.networkAcks, [{ ok: true }], "the agent took the pod network");
  assert.equal(h.server.rejected.length, 0, `every status parsed: ${h.server.rejected.join(", ")}`);
});

test("init containers run one after another to completion before the app container starts", async () => {
  const p = pod("init", {
    volumes: [{ name: "work", emptyDir: {} }],
    initContainers: [
      container("first", ["sh", "-c", "sleep 1; echo first >> /work/order"], { volumeMounts: [{ name: "work", mountPath: "/work" }] }),
      container("second", ["sh", "-c", "echo second >> /work/order"], { volumeMounts: [{ name: "work", mountPath: "/work" }] }),
    ],
    containers: [container("app", ["sh", "-c", "echo app >> /work/order; exec sleep 3600"], { volumeMounts: [{ name: "work", mountPath: "/work" }] })],
  });
  await h.server.sync([p]);
  const running = await h.server.status(p.uid, "Running", (s) => s.phase === "Running" && !!s.containerStatuses[0]?.state.running);
  // While the first init container ran, the pod was Pending and not Initialized, the app container waiting for it.
  const early = h.server.statuses.get(p.uid)![0]!.status;
  assert.equal(early.phase, "Pending");
  assert.equal(early.conditions.find((c) => c.type === "Initialized")?.status, "False");
  assert.equal(early.containerStatuses[0]?.state.waiting?.reason, "PodInitializing");
  assert.deepEqual(running.initContainerStatuses?.map((s) => [s.name, s.state.terminated?.reason, s.state.terminated?.exitCode]), [["first", "Completed", 0], ["second", "Completed", 0]]);
  assert.equal(running.conditions.find((c) => c.type === "Initialized")?.status, "True");
  const cs = await podContainers(p.uid);
  const first = cs.get(`k8s_first_init_default_${p.uid}_0`);
  const second = cs.get(`k8s_second_init_default_${p.uid}_0`);
  const app = cs.get(`k8s_app_init_default_${p.uid}_0`);
  assert.ok(Date.parse(second.State.StartedAt) >= Date.parse(first.State.FinishedAt), "the second started after the first finished");
  assert.ok(Date.parse(app.State.StartedAt) >= Date.parse(second.State.FinishedAt), "the app started after the init containers finished");
  assert.equal((await h.ok(["exec", app.Id, "cat", "/work/order"])).trim(), "first\nsecond\napp");
});

test("configMap files and a secret on a tmpfs of the pod, with items' modes; env resolved, $(VAR) expanded, the pod's IP from fieldRef", async () => {
  const p = pod("files", {
    volumes: [
      { name: "config", configMap: { files: [{ path: "app.conf", data: b64("level=debug\n"), mode: 0o644 }, { path: "sub/nested.txt", data: b64("nested\n"), mode: 0o600 }] } },
      { name: "creds", secret: { files: [{ path: "token", data: b64("s3cr3t-token"), mode: 0o400 }] } },
    ],
    containers: [
      container("app", ["sleep", "3600"], {
        env: [{ name: "GREETING", value: "hello" }, { name: "MESSAGE", value: "$(GREETING) world, $$(GREETING) stays" }, { name: "MY_IP", fieldPath: "status.podIP" }],
        volumeMounts: [{ name: "config", mountPath: "/etc/app" }, { name: "creds", mountPath: "/var/run/secrets/app" }],
      }),
    ],
  });
  await h.server.sync([p]);
  const status = await h.server.status(p.uid, "Running", (s) => s.phase === "Running");
  const name = `k8s_app_files_default_${p.uid}_0`;
  assert.equal(await h.ok(["exec", name, "cat", "/etc/app/app.conf"]), "level=debug\n");
  assert.equal(await h.ok(["exec", name, "cat", "/etc/app/sub/nested.txt"]), "nested\n");
  assert.equal(await h.ok(["exec", name, "cat", "/var/run/secrets/app/token"]), "s3cr3t-token");
  assert.match(await h.ok(["exec", name, "stat", "-L", "-c", "%a", "/var/run/secrets/app/token"]), /^400/);
  assert.match(await h.ok(["exec", name, "stat", "-L", "-c", "%a", "/etc/app/sub/nested.txt"]), /^600/);
  // Inside the container the secret is a tmpfs and read-only; the configMap is not on a tmpfs.
  const mounts = (await h.ok(["exec", name, "cat", "/proc/mounts"])).split("\n");
  const secretMount = mounts.find((l) => l.split(" ")[1] === "/var/run/secrets/app");
  assert.ok(secretMount, `the secret is mounted:\n${mounts.join("\n")}`);
  assert.equal(secretMount!.split(" ")[2], "tmpfs", "the secret volume is a tmpfs");
  assert.match(secretMount!.split(" ")[3]!, /(^|,)ro(,|$)/, "read-only");
  assert.notEqual(mounts.find((l) => l.split(" ")[1] === "/etc/app")?.split(" ")[2], "tmpfs");
  // On the host too: the secret's directory is a tmpfs mount, so its data never reached the disk, nor the pod's record.
  const hostDir = join(h.root, "pods", p.uid, "volumes", "secret", "creds");
  assert.equal(execFileSync("findmnt", ["-n", "-o", "FSTYPE", hostDir], { encoding: "utf8" }).trim(), "tmpfs");
  const record = readFileSync(join(h.root, "pods", p.uid, "pod.json"), "utf8");
  assert.ok(!record.includes(b64("s3cr3t-token")) && !record.includes("s3cr3t-token"), "the kept pod holds no secret data");
  const env = await h.ok(["exec", name, "env"]);
  assert.match(env, /^MESSAGE=hello world, \$\(GREETING\) stays$/m);
  assert.match(env, new RegExp(`^MY_IP=${status.podIP!.replace(/\./g, "\\.")}$`, "m"));
  // A configMap that changes reaches the running container whole, without a restart.
  await h.server.sync([{ ...p, volumes: [{ ...p.volumes![0]!, configMap: { files: [{ path: "app.conf", data: b64("level=info\n"), mode: 0o644 }] } }, p.volumes![1]!] }]);
  const deadline = Date.now() + 10_000;
  while ((await h.ok(["exec", name, "cat", "/etc/app/app.conf"])) !== "level=info\n") {
    assert.ok(Date.now() < deadline, "the configMap update reached the container");
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal((await h.docker(["exec", name, "cat", "/etc/app/sub/nested.txt"])).code, 1, "a file gone from the configMap is gone");
  assert.equal(h.server.latest(p.uid)?.containerStatuses[0]?.restartCount, 0);
});

test("an agent restart, with the control plane away, leaves the pod's containers running (same pids) and still supervised", async () => {
  const p = pod("steady", {
    containers: [container("app", ["sleep", "3600"]), container("worker", ["sh", "-c", "exec sleep 3600"], { readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 } })],
  });
  await h.server.sync([p]);
  await h.server.status(p.uid, "Ready", (s) => s.conditions.some((c) => c.type === "Ready" && c.status === "True"));
  const before = await podContainers(p.uid);
  const pids = new Map([...before].map(([n, c]) => [n, c.State.Pid]));
  // The control plane goes away, then the agent restarts (SIGKILL: no goodbye).
  const port = h.server.port;
  await h.server.close();
  await h.agent.kill();
  await h.restartAgent(`http://127.0.0.1:${port}`);
  await h.agent.waitForOutput(/pod default\/steady: adopted 3 container\(s\)/);
  const after = await podContainers(p.uid);
  assert.deepEqual(new Map([...after].map(([n, c]) => [n, c.State.Pid])), pids, "every container of the pod kept its process");
  // Still supervised without a control plane: the app, killed, comes back as attempt 1.
  await h.ok(["kill", `k8s_app_steady_default_${p.uid}_0`]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const now = await podContainers(p.uid);
    if (now.get(`k8s_app_steady_default_${p.uid}_1`)?.State.Running) break;
    assert.ok(Date.now() < deadline, `the app came back as attempt 1: ${[...now.keys()].join(", ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The control plane comes back: the agent reconnects and reports the pod, its worker never having restarted.
  const server = await PodLinkServer.start(port, { podCIDR: h.server.podCIDR });
  h.server = server;
  await server.connected();
  const s = await server.status(p.uid, "reported with the restart", (st) => st.containerStatuses.find((c) => c.name === "app")?.restartCount === 1);
  const worker = s.containerStatuses.find((c) => c.name === "worker")!;
  assert.equal(worker.restartCount, 0);
  assert.equal(worker.containerID, `gantry://${before.get(`k8s_worker_steady_default_${p.uid}_0`).Id}`);
  assert.equal(worker.ready, true, "readiness known from before the restart");
  await server.sync([p]);
  const still = await podContainers(p.uid);
  assert.equal(still.get(`k8s_worker_steady_default_${p.uid}_0`).State.Pid, pids.get(`k8s_worker_steady_default_${p.uid}_0`), "the same desired pod again changes nothing");
});

test("a changed image restarts the container as its next attempt; a changed env value (a ConfigMap's) does not", async () => {
  const p = pod("update", { terminationGracePeriodSeconds: 1, containers: [container("app", ["sleep", "3600"], { env: [{ name: "FROM_CONFIGMAP", value: "one" }] })] });
  await h.server.sync([p]);
  await h.server.status(p.uid, "Running", (s) => s.phase === "Running");
  const first = (await podContainers(p.uid)).get(`k8s_app_update_default_${p.uid}_0`).State.Pid;
  await h.server.sync([{ ...p, containers: [{ ...p.containers[0]!, env: [{ name: "FROM_CONFIGMAP", value: "two" }] }] }]);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await podContainers(p.uid)).get(`k8s_app_update_default_${p.uid}_0`).State.Pid, first, "the running container is left alone");
  await h.ok(["tag", h.image, h.image.replace(/:latest$/, ":v2")]);
  await h.server.sync([{ ...p, containers: [{ ...p.containers[0]!, image: h.image.replace(/:latest$/, ":v2") }] }]);
  const s = await h.server.status(p.uid, "restarted with the new image", (st) => st.containerStatuses[0]!.restartCount === 1 && !!st.containerStatuses[0]!.state.running);
  assert.equal(s.containerStatuses[0]!.image, h.image.replace(/:latest$/, ":v2"));
  assert.equal((await podContainers(p.uid)).get(`k8s_app_update_default_${p.uid}_1`).Config.Image, h.image.replace(/:latest$/, ":v2"));
});

test("statuses of several pods are on their way at once, one per pod: a control plane slow to answer one holds back none of the others", async () => {
  const burst = ["burst-a", "burst-b", "burst-c", "burst-d"].map((n) => pod(n, { terminationGracePeriodSeconds: 1, containers: [container("app", ["sleep", "3600"])] }));
  const uids = new Set(burst.map((p) => p.uid));
  h.server.holdStatuses();
  try {
    await h.server.sync(burst);
    // Nothing answered yet, and every pod's first status has come (one at a time, only one pod's would have).
    await h.server.until("a status of each of the 4 pods, none answered", () => new Set(h.server.unanswered().filter((u) => uids.has(u))).size === 4);
    await new Promise((r) => setTimeout(r, 1500));
    const unanswered = h.server.unanswered();
    assert.equal(new Set(unanswered).size, unanswered.length, `a pod's next status waits for the answer to its last: ${unanswered.join(", ")}`);
  } finally {
    h.server.releaseStatuses();
  }
  // Answered, each pod's newer status follows: all four reported Running.
  for (const p of burst) await h.server.status(p.uid, "Running", (s) => s.phase === "Running");
});

test("a pods.sync that is not one is refused with the reason, and changes nothing", async () => {
  const before = (await h.ok(["ps", "-q"])).trim();
  const ack = await h.server.syncRaw({ pods: [{ uid: "../../etc", name: "x", namespace: "default" }], full: true });
  assert.equal(ack.ok, false);
  assert.match((ack as { error: string }).error, /^invalid pods\.sync: pods\.0\./);
  assert.equal((await h.ok(["ps", "-q"])).trim(), before);
});

test("gantry-agent uninstall removes the pods with their records and the tmpfs of their secrets", async () => {
  const p = pod("leftover", {
    volumes: [{ name: "creds", secret: { files: [{ path: "k", data: b64("v"), mode: 0o400 }] } }],
    containers: [container("app", ["sleep", "3600"], { volumeMounts: [{ name: "creds", mountPath: "/creds" }] })],
  });
  await h.server.sync([p]);
  await h.server.status(p.uid, "Running", (s) => s.phase === "Running");
  const secretDir = join(h.root, "pods", p.uid, "volumes", "secret", "creds");
  assert.equal(execFileSync("findmnt", ["-n", "-o", "FSTYPE", secretDir], { encoding: "utf8" }).trim(), "tmpfs");
  await h.agent.stop();
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [join(REPO_ROOT, "bin/gantry-agent.mjs"), "uninstall", "--root", h.root], { cwd: REPO_ROOT, env: { ...process.env, ...h.env }, timeout: 120_000 }, (e, o, err) =>
      e ? reject(new Error(`${o}${err}`)) : resolve(String(o)),
    ),
  );
  assert.match(out, /removed the pods' records and volumes/);
  assert.equal(existsSync(join(h.root, "pods")), false);
  assert.equal(execFileSync("findmnt", ["-rn", "-o", "TARGET"], { encoding: "utf8" }).split("\n").filter((m) => m.startsWith(h.root)).length, 0, "nothing left mounted under the agent's state");
});
