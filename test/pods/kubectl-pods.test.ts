// Pods end to end: the real kubectl against a real control plane with a real agent joined as a host. A Pod applied with
// spec.nodeName set (no scheduler needed) runs on that agent — its ConfigMap and Secret as files and env — and kubectl
// shows it Running and Ready with its IP; deleted, it is Terminating while its host stops it, then gone. Another host
// cannot write its status, even under the same name. An image the host cannot pull shows as ErrImagePull, then
// ImagePullBackOff, with the kubelet's Failed and BackOff events.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { api, userSession } from "../support/session";
import { startFakeAgent, type FakeAgent } from "../support/fake-agent";
import { kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "../k8s/support";

let h: FleetHost;
let ep: KubeEndpoint;
let k: Kube;
let node: string;
let fake: FakeAgent | null = null;

before(async () => {
  h = await startFleetHost("gkp");
  ep = await kubeEndpoint(h.cp);
  k = kube(ep, await mintToken(h.cp, h.ownerCookie));
  node = (await api(h.cp, h.ownerCookie).get(`/api/v1/hosts/${h.hostId}`)).body.name;
});

after(async () => {
  fake?.close();
  await ep?.close();
  await h?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const getPod = async (name: string) => JSON.parse(await ok(["get", "pod", name, "-o", "json"]));

/** docker on the agent's own socket, to look inside the pod's containers (kubectl exec is not this work's). */
function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("/usr/local/bin/docker", args, { env: { ...process.env, DOCKER_HOST: `unix://${join(h.agent.root, "docker.sock")}` } }, (e, out, err) =>
      e ? reject(new Error(`docker ${args.join(" ")}: ${err}`)) : resolve(String(out)),
    ),
  );
}

test("a Pod bound to the host by nodeName runs there: Running and Ready with its IP, ConfigMap and Secret as files and env", async () => {
  await ok(["create", "configmap", "web-config", "--from-literal=greeting=hello from a configmap"]);
  await ok(["create", "secret", "generic", "web-secret", "--from-literal=password=p4ssw0rd"]);
  const manifest = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 5,
      volumes: [
        { name: "config", configMap: { name: "web-config" } },
        { name: "secret", secret: { secretName: "web-secret", items: [{ key: "password", path: "db/password", mode: 0o400 }] } },
      ],
      containers: [
        {
          name: "web",
          image: h.image,
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"],
          ports: [{ containerPort: 8080, name: "http" }],
          env: [
            { name: "GREETING", valueFrom: { configMapKeyRef: { name: "web-config", key: "greeting" } } },
            { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "web-secret", key: "password" } } },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          volumeMounts: [
            { name: "config", mountPath: "/etc/web" },
            { name: "secret", mountPath: "/etc/secret" },
          ],
          readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 1 },
          resources: { requests: { cpu: "100m", memory: "32Mi" }, limits: { cpu: "500m", memory: "64Mi" } },
        },
      ],
    },
  };
  await ok(["apply", "-f", "-"], JSON.stringify(manifest));
  let pod: any;
  await until(async () => {
    pod = await getPod("web");
    return pod.status?.phase === "Running" && pod.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
  }, 30_000, "the pod Running and Ready");
  assert.match(pod.status.podIP, /^10\.\d+\.\d+\.\d+$/);
  assert.equal(pod.status.containerStatuses[0].ready, true);
  assert.equal(pod.status.containerStatuses[0].restartCount, 0);
  assert.ok(pod.status.hostIP, "the host's address");
  assert.ok(pod.status.conditions.some((c: any) => c.type === "PodScheduled" && c.status === "True"));
  const wide = (await ok(["get", "pod", "web", "-o", "wide"])).split("\n")[1]!.trim().split(/\s+/);
  assert.deepEqual(wide.slice(0, 4), ["web", "1/1", "Running", "0"]);
  assert.equal(wide[5], pod.status.podIP);
  assert.equal(wide[6], node);
  // On the host, the container the kubelet would name, with the pod's labels.
  const name = `k8s_web_web_default_${pod.metadata.uid}_0`;
  const inspect = JSON.parse(await docker(["inspect", name]))[0];
  assert.equal(inspect.Config.Labels["io.kubernetes.pod.uid"], pod.metadata.uid);
  assert.equal(inspect.HostConfig.Memory, 64 << 20);
  assert.equal(await docker(["exec", name, "cat", "/etc/web/greeting"]), "hello from a configmap");
  assert.equal(await docker(["exec", name, "cat", "/etc/secret/db/password"]), "p4ssw0rd");
  const env = await docker(["exec", name, "env"]);
  assert.match(env, /^GREETING=hello from a configmap$/m);
  assert.match(env, /^PASSWORD=p4ssw0rd$/m);
  assert.match(env, /^POD_NAME=web$/m);
  // kubectl describe's events come from the host's reports.
  const events = await ok(["get", "events", "--field-selector", "involvedObject.name=web", "-o", "json"]);
  assert.ok(JSON.parse(events).items.some((e: any) => e.reason === "Started" && e.source?.host === node), events);
});

test("another host cannot write the pod's status, not even under the pod's node name", async () => {
  const pod = await getPod("web");
  fake = await startFakeAgent(h.cp.url, h.ownerCookie);
  const forged = { ...pod.status, phase: "Failed", podIP: "10.99.99.99", podIPs: [{ ip: "10.99.99.99" }] };
  const r1 = await fake.send("pods.status", { uid: pod.metadata.uid, status: forged });
  assert.equal(r1.ok, false);
  assert.match(r1.error ?? "", /not bound to this host|no pod with uid/);
  // The forger renames its host to the node's name: the node is still the older host's.
  const renamed = await api(h.cp, h.ownerCookie).patch(`/api/v1/hosts/${fake.hostId}`, { name: node });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  const r2 = await fake.send("pods.status", { uid: pod.metadata.uid, status: forged });
  assert.equal(r2.ok, false);
  const after = await getPod("web");
  assert.equal(after.status.phase, "Running");
  assert.equal(after.status.podIP, pod.status.podIP);
  // A payload that is not a status is a protocol error naming the field.
  const r3 = await fake.send("pods.status", { uid: pod.metadata.uid, status: { phase: "Sideways" } });
  assert.equal(r3.ok, false);
  assert.match(r3.error ?? "", /invalid pods\.status: status\./);
  fake.close();
  fake = null;
  await api(h.cp, h.ownerCookie).delete(`/api/v1/hosts/${renamed.body.id ?? ""}`).catch(() => {});
});

test("hostPath needs containers.host-access: an operator's Pod or Deployment with one is Forbidden naming the field; an owner's runs with the host's directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-kp-hostpath-"));
  try {
    const operator = kube(ep, await mintToken(h.cp, (await userSession(h.cp, h.ownerCookie, "operator")).cookie));
    const podSpec = {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: "host", hostPath: { path: dir, type: "Directory" } }],
      containers: [{ name: "app", image: h.image, imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "echo written-by-pod > /host/out; exec sleep 3600"], volumeMounts: [{ name: "host", mountPath: "/host" }] }],
    };
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "hostpath" }, spec: podSpec };
    const refused = await operator.run(["apply", "-f", "-"], { stdin: JSON.stringify(pod) });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /forbidden: spec\.volumes\[0\]\.hostPath .*containers\.host-access/);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "hostpath" },
      spec: { selector: { matchLabels: { app: "hp" } }, template: { metadata: { labels: { app: "hp" } }, spec: { ...podSpec, nodeName: undefined } } },
    };
    const refusedToo = await operator.run(["create", "-f", "-"], { stdin: JSON.stringify(deployment) });
    assert.notEqual(refusedToo.code, 0);
    assert.match(refusedToo.stderr, /spec\.template\.spec\.volumes\[0\]\.hostPath/);
    assert.notEqual((await k.run(["get", "pod", "hostpath"])).code, 0, "nothing was created");
    // The owner holds the right: the pod runs, and writes into the host's directory.
    await ok(["apply", "-f", "-"], JSON.stringify(pod));
    await until(async () => {
      try {
        return readFileSync(join(dir, "out"), "utf8") === "written-by-pod\n";
      } catch {
        return false;
      }
    }, 30_000, "the pod's file in the host's directory");
    await ok(["delete", "pod", "hostpath", "--grace-period=0", "--force"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kubectl delete: Terminating while the host stops the pod gracefully, then gone", async () => {
  const uid = (await getPod("web")).metadata.uid;
  await ok(["delete", "pod", "web", "--wait=false"]);
  const row = (await ok(["get", "pod", "web"])).split("\n")[1] ?? "";
  assert.match(row, /Terminating/);
  await until(async () => (await k.run(["get", "pod", "web"])).code !== 0, 30_000, "the pod gone");
  assert.match((await k.run(["get", "pod", "web"])).stderr, /NotFound|not found/);
  await until(async () => (await docker(["ps", "-aq", "--filter", `label=io.kubernetes.pod.uid=${uid}`])).trim() === "", 15_000, "the pod's containers removed from the host");
});

test("an image its host cannot pull: kubectl shows ErrImagePull, then ImagePullBackOff, and the events say why", async () => {
  const image = `${h.registry.host}/not-pushed:v1`;
  await ok(["run", "nopull", `--image=${image}`, "--restart=Never", `--overrides=${JSON.stringify({ spec: { nodeName: node } })}`]);
  try {
    let pod: any;
    await until(async () => (pod = await getPod("nopull")).status?.containerStatuses?.[0]?.state?.waiting?.reason === "ErrImagePull", 30_000, "ErrImagePull");
    assert.equal(pod.status.phase, "Pending");
    assert.match(pod.status.containerStatuses[0].state.waiting.message, new RegExp(`^failed to pull image "${image.replace(/[.]/g, "\\.")}": `));
    await until(async () => (await ok(["get", "pod", "nopull", "--no-headers"])).trim().split(/\s+/)[2] === "ImagePullBackOff", 30_000, "ImagePullBackOff in kubectl's STATUS column");
    const events = JSON.parse(await ok(["get", "events", "--field-selector", "involvedObject.name=nopull", "-o", "json"])).items as any[];
    const failed = events.find((e) => e.reason === "Failed");
    assert.ok(failed, JSON.stringify(events.map((e) => e.reason)));
    assert.equal(failed.type, "Warning");
    assert.equal(failed.involvedObject.fieldPath, "spec.containers{nopull}");
    assert.match(failed.message, /^failed to pull image /);
    assert.ok(events.some((e) => e.reason === "BackOff" && e.message === `Back-off pulling image "${image}"`), JSON.stringify(events.map((e) => [e.reason, e.message])));
    assert.match(await ok(["describe", "pod", "nopull"]), /Warning\s+Failed\s+.*failed to pull image/);
  } finally {
    await ok(["delete", "pod", "nopull", "--grace-period=0", "--force"]);
  }
});
