// Pods, ReplicationControllers, ReplicaSets, Deployments and Services through the real kubectl (1.32): discovery with
// subresources, explain, apply --validate=strict, kube-apiserver's defaults and validation messages, the columns kubectl
// prints (pods' computed STATUS and RESTARTS), strategic merge patch by merge keys, kubectl scale through the scale
// subresource, the status subresource kept apart from the object, and pods/binding. No controller runs here: these are
// the API's own behaviours.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, userSession } from "../support/session";
import { kapi, kube, kubeEndpoint, mintToken, type Kube, type KubeEndpoint } from "./support";

let cp: ControlPlane;
let ep: KubeEndpoint;
let k: Kube;
let raw: ReturnType<typeof kapi>;
let viewer: Kube;
const systemFetch = globalThis.fetch;

before(async () => {
  // The API's own behaviour, without the scheduler and controllers acting on the objects (test/orchestration has them).
  cp = await startControlPlane({ tls: true, env: { GANTRY_CONTROLLERS: "off" } });
  globalThis.fetch = cp.fetch;
  ep = await kubeEndpoint(cp);
  const owner = await setupOwner(cp);
  const cookie = await signIn(cp, owner.email, owner.password);
  const token = await mintToken(cp, (await userSession(cp, cookie, "operator")).cookie);
  k = kube(ep, token);
  raw = kapi(ep, token);
  viewer = kube(ep, await mintToken(cp, (await userSession(cp, cookie, "viewer")).cookie));
});

after(async () => {
  globalThis.fetch = systemFetch;
  await ep?.close();
  await cp?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function fails(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} should have failed:\n${r.stdout}`);
  return r.stderr;
}

/** The rows of a table kubectl printed, split on runs of two or more spaces. */
const rows = (out: string) => out.trim().split("\n").map((l) => l.trim().split(/\s{2,}/));

let nsCounter = 0;
async function namespace(): Promise<string> {
  const ns = `w${process.pid}-${++nsCounter}`;
  await ok(["create", "namespace", ns]);
  return ns;
}

const deployment = (name: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 3
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
        readinessProbe: {httpGet: {path: /, port: 80}}
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
${extra}`;

test("discovery lists the kinds and their status, scale and binding subresources; explain reads their schemas", async () => {
  const resources = new Map(rows(await ok(["api-resources"])).slice(1).map((r) => [r[0], r]));
  assert.deepEqual(resources.get("pods"), ["pods", "po", "v1", "true", "Pod"]);
  assert.deepEqual(resources.get("replicationcontrollers"), ["replicationcontrollers", "rc", "v1", "true", "ReplicationController"]);
  assert.deepEqual(resources.get("services"), ["services", "svc", "v1", "true", "Service"]);
  assert.deepEqual(resources.get("replicasets"), ["replicasets", "rs", "apps/v1", "true", "ReplicaSet"]);
  assert.deepEqual(resources.get("deployments"), ["deployments", "deploy", "apps/v1", "true", "Deployment"]);

  const apps = (await raw.request("GET", "/apis/apps/v1")).body;
  const scale = apps.resources.find((r: { name: string }) => r.name === "deployments/scale");
  assert.deepEqual(scale, { name: "deployments/scale", singularName: "", namespaced: true, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
  const core = (await raw.request("GET", "/api/v1")).body.resources.map((r: { name: string }) => r.name);
  for (const n of ["pods/status", "pods/binding", "pods/log", "pods/exec", "pods/attach", "replicationcontrollers/scale", "replicationcontrollers/status"]) assert.ok(core.includes(n), `${n} listed`);
  assert.equal((await raw.request("POST", "/api/v1/namespaces/default/pods/x/exec")).status, 404, "exec is an upgrade, not a POST of an object");
  const aggregated = (await raw.request("GET", "/apis", undefined, { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" })).body;
  const deploy = aggregated.items.find((g: { metadata: { name: string } }) => g.metadata.name === "apps").versions[0].resources.find((r: { resource: string }) => r.resource === "deployments");
  assert.deepEqual(deploy.subresources.map((s: { subresource: string }) => s.subresource), ["scale", "status"]);

  const explained = await ok(["explain", "pod.spec.containers"]);
  assert.match(explained, /FIELD: containers <\[\]Container>/);
  assert.match(explained, /name\t<string> -required-/);
  assert.match(explained, /image\t<string>/);
  assert.match(explained, /livenessProbe\t<Probe>/);
  assert.match(await ok(["explain", "deployment.spec.strategy.rollingUpdate"]), /maxSurge\t<IntOrString>/);
  assert.match(await ok(["explain", "rs.spec.selector"]), /matchLabels\t<map\[string\]string>/);
  assert.match(await ok(["explain", "pod.spec.containers.resources"]), /limits\t<map\[string\]Quantity>/);
  // The same schemas as OpenAPI v2 (protobuf), which older kubectls read.
  const v2 = await ok(["explain", "pod.spec.containers", "--output=plaintext-openapiv2"]);
  assert.match(v2, /RESOURCE: containers <\[\]Object>/);
  assert.match(v2, /name\t<string> -required-/);
  assert.match(await ok(["explain", "deployment.spec.replicas", "--output=plaintext-openapiv2"]), /FIELD:\s+replicas <integer>/);
});

test("apply --validate=strict: a misspelt field is named and nothing is created; kube-apiserver's validation names each bad field", async () => {
  const ns = await namespace();
  const file = join(k.dir, `strict-${ns}.yaml`);
  writeFileSync(file, deployment("web").replace("image: nginx:1.25", "imagee: nginx:1.25"));
  const strict = await fails(["apply", "-n", ns, "--validate=strict", "-f", file]);
  assert.match(strict, /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"/);
  assert.match(await fails(["get", "deploy", "web", "-n", ns]), /NotFound/);

  const invalid = async (manifest: string, ...expected: RegExp[]) => {
    writeFileSync(file, manifest);
    const err = await fails(["apply", "-n", ns, "-f", file]);
    for (const e of expected) assert.match(err, e);
  };
  // The selector must match the template's labels.
  await invalid(deployment("web").replace("labels: {app: web}", "labels: {app: other}"),
    /The Deployment "web" is invalid: spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
  // Two containers of one name, a port out of range, two probe handlers, requests over limits, no image.
  await invalid(`apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: a
    image: busybox
    ports: [{containerPort: 70000}]
    livenessProbe: {exec: {command: ["true"]}, tcpSocket: {port: 80}}
    resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}
  - name: a
`, /spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive/,
    /spec\.containers\[0\]\.livenessProbe\.tcpSocket: Forbidden: may not specify more than 1 handler type/,
    /spec\.containers\[0\]\.resources\.requests: Invalid value: "2": must be less than or equal to cpu limit of 1/,
    /spec\.containers\[1\]\.name: Duplicate value: "a"/,
    /spec\.containers\[1\]\.image: Required value/);
  await invalid(`apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers: [{name: Web_1, image: busybox, resources: {limits: {memory: lots}}}]
`, /spec\.containers\[0\]\.resources\.limits\[memory\]: Invalid value: "lots": quantities must match the regular expression/);
  await invalid(`apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers: [{name: Web_1, image: busybox}]
  restartPolicy: Sometimes
`, /spec\.containers\[0\]\.name: Invalid value: "Web_1": a lowercase RFC 1123 label/, /spec\.restartPolicy: Unsupported value: "Sometimes"/);
  await invalid(`apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {}
`, /spec\.containers: Required value/);
  // A controller's pods must restart Always; replicas are never negative.
  await invalid(deployment("web").replace("    spec:\n      containers:", "    spec:\n      restartPolicy: Never\n      containers:").replace("replicas: 3", "replicas: -1"),
    /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/, /spec\.template\.spec\.restartPolicy: Unsupported value: "Never": supported values: "Always"/);
  await invalid(`apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: bad}
spec:
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: busybox}]}
`, /spec\.selector: Required value/);
  assert.equal((await ok(["get", "all", "-n", ns, "-o", "name"])).trim(), "");
});

test("workloads' bad input: a wrong type, a kind in the wrong apiVersion, a viewer's create, scale or delete — each refused naming the field or the right, nothing created or changed", async () => {
  const ns = await namespace();
  const file = join(k.dir, `bad-${ns}.yaml`);
  const refused = async (kc: Kube, manifest: string) => {
    writeFileSync(file, manifest);
    const r = await kc.run(["apply", "-n", ns, "-f", file]);
    assert.notEqual(r.code, 0, `kubectl apply should have failed:\n${r.stdout}`);
    return r.stderr;
  };
  // A wrong type anywhere in the object: kube-apiserver's decoding error, naming the field's path.
  assert.match(await refused(k, deployment("web").replace("replicas: 3", "replicas: three")),
    /BadRequest.*Deployment in version "v1" cannot be handled as a Deployment: spec\.replicas: Invalid value: string: must be of type integer/);
  assert.match(await refused(k, deployment("web").replace("containerPort: 80", 'containerPort: "80"')),
    /spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: string: must be of type integer/);
  // A Deployment in the core group, or in a group version that is not served: discovery has no match.
  assert.match(await refused(k, deployment("web").replace("apiVersion: apps/v1", "apiVersion: v1")), /no matches for kind "Deployment" in version "v1"/);
  assert.match(await refused(k, deployment("web").replace("apiVersion: apps/v1", "apiVersion: extensions/v1beta1")), /no matches for kind "Deployment" in version "extensions\/v1beta1"/);
  // A viewer's token: Forbidden to create a Deployment or a Pod, to scale or delete one, the right named.
  assert.match(await refused(viewer, deployment("web")), /Forbidden.*cannot create resource "deployments" in API group "apps".*your role \(viewer\) as narrowed by this API token does not allow k8s\.write/);
  assert.match(await refused(viewer, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n"),
    /Forbidden.*cannot create resource "pods" in API group "".*k8s\.write/);
  assert.match((await viewer.run(["run", "p", "-n", ns, "--image=busybox"])).stderr, /Forbidden.*k8s\.write/);
  assert.equal((await ok(["get", "all", "-n", ns, "-o", "name"])).trim(), "", "nothing created");
  await ok(["apply", "-n", ns, "-f", "-"], deployment("web"));
  assert.match((await viewer.run(["scale", "-n", ns, "deployment/web", "--replicas=1"])).stderr, /Forbidden.*k8s\.scale/);
  assert.match((await viewer.run(["delete", "-n", ns, "deployment/web"])).stderr, /Forbidden.*k8s\.write/);
  assert.equal(JSON.parse(await ok(["get", "-n", ns, "deployment/web", "-o", "json"])).spec.replicas, 3, "the viewer changed nothing");
  await ok(["delete", "-n", ns, "deployment/web"]);
  assert.equal((await ok(["get", "all", "-n", ns, "-o", "name"])).trim(), "");
});

test("a pod gets kube-apiserver's defaults and kubectl's columns; its status is computed from what its node reports", async () => {
  const ns = await namespace();
  await ok(["run", "web", "-n", ns, "--image=nginx:1.25", "--port=80", "--", "nginx", "-g", "daemon off;"]);
  await ok(["run", "latest", "-n", ns, "--image=busybox"]);
  const pod = JSON.parse(await ok(["get", "pod", "web", "-n", ns, "-o", "json"]));
  const c = pod.spec.containers[0];
  assert.deepEqual([c.imagePullPolicy, c.terminationMessagePath, c.terminationMessagePolicy, c.ports[0].protocol], ["IfNotPresent", "/dev/termination-log", "File", "TCP"]);
  assert.equal(JSON.parse(await ok(["get", "pod", "latest", "-n", ns, "-o", "json"])).spec.containers[0].imagePullPolicy, "Always");
  assert.deepEqual([pod.spec.restartPolicy, pod.spec.terminationGracePeriodSeconds, pod.spec.dnsPolicy, pod.spec.schedulerName, pod.spec.enableServiceLinks], ["Always", 30, "ClusterFirst", "default-scheduler", true]);
  assert.deepEqual(pod.spec.tolerations, [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
  assert.deepEqual(pod.status, { phase: "Pending", qosClass: "BestEffort" });

  let table = rows(await ok(["get", "pods", "-n", ns]));
  assert.deepEqual(table[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
  assert.deepEqual(table.find((r) => r[0] === "web")!.slice(0, 4), ["web", "0/1", "Pending", "0"]);
  table = rows(await ok(["get", "pods", "-n", ns, "-o", "wide"]));
  assert.deepEqual(table[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
  assert.deepEqual(table.find((r) => r[0] === "web")!.slice(5), ["<none>", "<none>", "<none>", "<none>"]);

  // pods/binding places it once; a second binding is a Conflict.
  const bind = (node: string) => raw.request("POST", `/api/v1/namespaces/${ns}/pods/web/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: "web" }, target: { kind: "Node", name: node } });
  const bound = await bind("host-a");
  assert.equal(bound.status, 201, JSON.stringify(bound.body));
  const again = await bind("host-b");
  assert.equal(again.status, 409);
  assert.match(again.body.message, /pod web is already assigned to node "host-a"/);
  const placed = JSON.parse(await ok(["get", "pod", "web", "-n", ns, "-o", "json"]));
  assert.equal(placed.spec.nodeName, "host-a");
  assert.deepEqual(placed.status.conditions.map((x: { type: string; status: string }) => [x.type, x.status]), [["PodScheduled", "True"]]);
  // nodeName, once set, never changes; other spec fields of a pod do not change either, images do.
  assert.match(await fails(["patch", "pod", "web", "-n", ns, "-p", '{"spec":{"nodeName":"host-b"}}']), /spec\.nodeName: Invalid value: "host-b": field is immutable/);
  assert.match(await fails(["patch", "pod", "web", "-n", ns, "-p", '{"spec":{"restartPolicy":"Never"}}']), /pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
  await ok(["set", "image", "pod/web", "-n", ns, "web=nginx:1.26"]);

  // What the node reports (through pods/status) is what kubectl's STATUS and RESTARTS are computed from.
  const report = async (status: object) => {
    const cur = (await raw.request("GET", `/api/v1/namespaces/${ns}/pods/web`)).body;
    const r = await raw.request("PUT", `/api/v1/namespaces/${ns}/pods/web/status`, { ...cur, status: { ...cur.status, ...status } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const finished = new Date(Date.now() - 610_000).toISOString().replace(/\.\d+Z$/, "Z");
  await report({
    phase: "Running",
    podIP: "10.88.0.7",
    podIPs: [{ ip: "10.88.0.7" }],
    containerStatuses: [{
      name: "web", ready: false, restartCount: 3, image: "nginx:1.26", imageID: "", started: false,
      state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
      lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: finished } },
    }],
  });
  table = rows(await ok(["get", "pods", "web", "-n", ns, "-o", "wide"]));
  assert.deepEqual(table[1]!.slice(0, 4), ["web", "0/1", "CrashLoopBackOff", "3 (10m ago)"]);
  assert.deepEqual(table[1]!.slice(5, 7), ["10.88.0.7", "host-a"]);
  await report({
    phase: "Running",
    conditions: [{ type: "Ready", status: "True" }],
    containerStatuses: [{ name: "web", ready: true, restartCount: 3, image: "nginx:1.26", imageID: "", state: { running: { startedAt: finished } }, lastState: {} }],
  });
  assert.deepEqual(rows(await ok(["get", "pods", "web", "-n", ns]))[1]!.slice(0, 4), ["web", "1/1", "Running", "3"]);
  await report({ phase: "Succeeded", containerStatuses: [{ name: "web", ready: false, restartCount: 0, image: "nginx:1.26", imageID: "", state: { terminated: { exitCode: 0, reason: "Completed" } } }] });
  assert.deepEqual(rows(await ok(["get", "pods", "web", "-n", ns]))[1]!.slice(0, 3), ["web", "0/1", "Completed"]);
  // Field selectors the pod glue and the scheduler use.
  assert.match(await ok(["get", "pods", "-n", ns, "--field-selector", "spec.nodeName=host-a,status.phase=Succeeded", "-o", "name"]), /^pod\/web$/m);
});

test("the status subresource and the object are written apart: each ignores the other's part", async () => {
  const ns = await namespace();
  writeFileSync(join(k.dir, `rs-${ns}.yaml`), `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1}
spec:
  replicas: 2
  selector: {matchLabels: {app: rs1}}
  template:
    metadata: {labels: {app: rs1}}
    spec: {containers: [{name: c, image: busybox}]}
status: {replicas: 7}
`);
  await ok(["apply", "-n", ns, "-f", join(k.dir, `rs-${ns}.yaml`)]);
  const path = `/apis/apps/v1/namespaces/${ns}/replicasets/rs1`;
  const created = (await raw.request("GET", path)).body;
  assert.deepEqual(created.status, { replicas: 0 }, "a client's status is not taken at create");
  assert.equal(created.metadata.generation, 1);

  // A write to the object changes its spec (generation moves) but not its status…
  const updated = (await raw.request("PUT", path, { ...created, spec: { ...created.spec, replicas: 3 }, status: { replicas: 9 } })).body;
  assert.deepEqual([updated.spec.replicas, updated.status, updated.metadata.generation], [3, { replicas: 0 }, 2]);
  // …and a write to …/status changes its status, not its spec nor labels (nor the generation).
  const st = await raw.request("PUT", `${path}/status`, { ...updated, metadata: { ...updated.metadata, labels: { x: "y" } }, spec: { ...updated.spec, replicas: 1 }, status: { replicas: 3, readyReplicas: 2, observedGeneration: 2 } });
  assert.equal(st.status, 200, JSON.stringify(st.body));
  assert.deepEqual([st.body.spec.replicas, st.body.metadata.labels, st.body.status, st.body.metadata.generation], [3, undefined, { replicas: 3, readyReplicas: 2, observedGeneration: 2 }, 2]);
  // PATCH …/status as well; a stale resourceVersion is a Conflict there too.
  const patched = await raw.request("PATCH", `${path}/status`, { status: { availableReplicas: 2 }, spec: { replicas: 8 } }, { "content-type": "application/merge-patch+json" });
  assert.deepEqual([patched.body.status.availableReplicas, patched.body.spec.replicas], [2, 3]);
  assert.equal((await raw.request("PUT", `${path}/status`, { ...updated, status: { replicas: 1 } })).status, 409);
  assert.equal((await raw.request("GET", `${path}/status`)).body.status.readyReplicas, 2);
  // kubectl get shows what status says.
  assert.deepEqual(rows(await ok(["get", "rs", "-n", ns]))[1]!.slice(0, 4), ["rs1", "3", "3", "2"]);
  assert.equal((await raw.request("PUT", `/api/v1/namespaces/${ns}/configmaps/x/status`, {})).status, 404);
});

test("deployments, replica sets and replication controllers: defaults, kubectl's columns, kubectl scale, patches merged by key", async () => {
  const ns = await namespace();
  const file = join(k.dir, `deploy-${ns}.yaml`);
  writeFileSync(file, deployment("web"));
  assert.match(await ok(["apply", "-n", ns, "-f", file]), /deployment\.apps\/web created/);
  const d = JSON.parse(await ok(["get", "deploy", "web", "-n", ns, "-o", "json"]));
  assert.deepEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  assert.deepEqual([d.spec.revisionHistoryLimit, d.spec.progressDeadlineSeconds, d.metadata.generation], [10, 600, 1]);
  assert.deepEqual(d.spec.template.spec.containers[0].readinessProbe, { httpGet: { path: "/", port: 80, scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  let table = rows(await ok(["get", "deploy", "-n", ns]));
  assert.deepEqual(table[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
  assert.deepEqual(table[1]!.slice(0, 4), ["web", "0/3", "0", "0"]);
  table = rows(await ok(["get", "deploy", "-n", ns, "-o", "wide"]));
  assert.deepEqual(table[0]!.slice(5), ["CONTAINERS", "IMAGES", "SELECTOR"]);
  assert.deepEqual(table[1]!.slice(5), ["web", "nginx:1.25", "app=web"]);

  // kubectl scale goes through …/scale; the generation moves with the spec.
  assert.match(await ok(["scale", "deploy", "web", "-n", ns, "--replicas=5"]), /deployment\.apps\/web scaled/);
  const scale = (await raw.request("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`)).body;
  assert.deepEqual([scale.kind, scale.apiVersion, scale.spec, scale.status], ["Scale", "autoscaling/v1", { replicas: 5 }, { replicas: 0, selector: "app=web" }]);
  assert.equal(JSON.parse(await ok(["get", "deploy", "web", "-n", ns, "-o", "json"])).metadata.generation, 2);
  const negative = await raw.request("PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, { spec: { replicas: -1 } }, { "content-type": "application/merge-patch+json" });
  assert.equal(negative.status, 422);
  assert.match(negative.body.message, /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);

  // Strategic merge patch merges containers and env by name, ports by containerPort.
  await ok(["set", "image", "deploy/web", "-n", ns, "web=nginx:1.26"]);
  const stale = await raw.request("PUT", `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, { ...scale, spec: { replicas: 2 } });
  assert.equal(stale.status, 409, "a Scale read before the image changed is stale");
  await ok(["patch", "deploy", "web", "-n", ns, "-p", JSON.stringify({ spec: { template: { spec: { containers: [{ name: "web", env: [{ name: "C", value: "3" }], ports: [{ containerPort: 8080 }] }, { name: "side", image: "busybox" }] } } } })]);
  let tpl = JSON.parse(await ok(["get", "deploy", "web", "-n", ns, "-o", "json"])).spec.template.spec;
  assert.deepEqual(tpl.containers.map((c: { name: string; image: string }) => [c.name, c.image]), [["web", "nginx:1.26"], ["side", "busybox"]]);
  assert.deepEqual(tpl.containers[0].env.map((e: { name: string }) => e.name), ["A", "B", "C"]);
  assert.deepEqual(tpl.containers[0].ports.map((p: { containerPort: number }) => p.containerPort), [80, 8080]);
  // kubectl apply computes a three-way patch from its last-applied configuration: B goes, A stays.
  writeFileSync(file, deployment("web").replace(', {name: B, value: "2"}', ""));
  assert.match(await ok(["apply", "-n", ns, "-f", file]), /configured/);
  tpl = JSON.parse(await ok(["get", "deploy", "web", "-n", ns, "-o", "json"])).spec.template.spec;
  assert.deepEqual(tpl.containers[0].env.map((e: { name: string }) => e.name), ["A", "C"]);

  // kubectl create deployment sends protobuf.
  await ok(["create", "deployment", "made", "-n", ns, "--image=busybox:1.36", "--replicas=2", "--port=8080"]);
  const made = JSON.parse(await ok(["get", "deploy", "made", "-n", ns, "-o", "json"]));
  assert.deepEqual([made.spec.replicas, made.spec.selector, made.spec.template.spec.containers[0].image, made.spec.template.spec.containers[0].ports], [2, { matchLabels: { app: "made" } }, "busybox:1.36", [{ containerPort: 8080, protocol: "TCP" }]]);

  writeFileSync(file, `apiVersion: v1
kind: ReplicationController
metadata: {name: rc1}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: rc1}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1}
spec:
  selector: {matchLabels: {app: rs1}}
  template:
    metadata: {labels: {app: rs1}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`);
  await ok(["apply", "-n", ns, "-f", file]);
  const rc = JSON.parse(await ok(["get", "rc", "rc1", "-n", ns, "-o", "json"]));
  assert.deepEqual([rc.spec.selector, rc.metadata.labels], [{ app: "rc1" }, { app: "rc1" }], "an RC's selector and labels default to its template's labels");
  table = rows(await ok(["get", "rc,rs", "-n", ns]));
  assert.deepEqual(table[0], ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
  assert.deepEqual(table[1]!.slice(0, 4), ["replicationcontroller/rc1", "2", "0", "0"]);
  assert.ok(table.some((r) => r[0] === "replicaset.apps/rs1" && r[1] === "1"), "an RS's replicas default to 1");
  await ok(["scale", "rc", "rc1", "-n", ns, "--replicas=4"]);
  await ok(["scale", "rs", "rs1", "-n", ns, "--replicas=0", "--current-replicas=1"]);
  assert.match(await fails(["scale", "rs", "rs1", "-n", ns, "--replicas=3", "--current-replicas=2"]), /Expected replicas to be 2, was 0/);
  assert.equal(await ok(["get", "rc", "rc1", "-n", ns, "-o", "jsonpath={.spec.replicas}"]), "4");
  assert.equal(await ok(["get", "rs", "rs1", "-n", ns, "-o", "jsonpath={.spec.replicas}"]), "0");
  // An RS's selector never changes; an RC's may.
  assert.match(await fails(["patch", "rs", "rs1", "-n", ns, "--type=merge", "-p", '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}']), /spec\.selector: Invalid value: .*field is immutable/);

  // Services: defaults, a cluster IP from the service CIDR (test/services has the rest), and kubectl's columns.
  const svc = JSON.parse(await ok(["get", "svc", "web", "-n", ns, "-o", "json"]));
  assert.deepEqual([svc.spec.type, svc.spec.sessionAffinity, svc.spec.ports], ["ClusterIP", "None", [{ port: 80, targetPort: 8080, protocol: "TCP" }]]);
  assert.deepEqual([svc.spec.clusterIPs, svc.spec.ipFamilies, svc.spec.ipFamilyPolicy, svc.spec.internalTrafficPolicy], [[svc.spec.clusterIP], ["IPv4"], "SingleStack", "Cluster"]);
  table = rows(await ok(["get", "svc", "-n", ns, "-o", "wide"]));
  assert.deepEqual(table[0], ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]);
  assert.deepEqual([...table[1]!.slice(0, 5), table[1]![6]], ["web", "ClusterIP", svc.spec.clusterIP, "<none>", "80/TCP", "app=web"]);
});

test("server-side apply of a Deployment: created, then its image changed and an env var dropped by applying again", async () => {
  const ns = await namespace();
  const file = join(k.dir, `ssa-${ns}.yaml`);
  writeFileSync(file, deployment("ssa"));
  assert.match(await ok(["apply", "--server-side", "-n", ns, "-f", file]), /deployment\.apps\/ssa serverside-applied/);
  writeFileSync(file, deployment("ssa").replace("image: nginx:1.25", "image: nginx:1.26").replace(', {name: B, value: "2"}', ""));
  await ok(["apply", "--server-side", "-n", ns, "-f", file]);
  const d = JSON.parse(await ok(["get", "deploy", "ssa", "-n", ns, "-o", "json", "--show-managed-fields"]));
  const c = d.spec.template.spec.containers[0];
  assert.deepEqual([c.image, c.env.map((e: { name: string }) => e.name), d.metadata.generation], ["nginx:1.26", ["A"], 2]);
  assert.ok(d.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === "kubectl" && m.operation === "Apply"));
});
