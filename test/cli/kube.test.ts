// `gantry apply/get/delete/scale/rollout` against a real control plane's Kubernetes API (/k8s), for users without
// kubectl: a multi-document file applied twice (created, then unchanged), the server's columns with -o wide/yaml/
// json/name, scale, delete with cascades and grace periods, a broken file applying nothing, a viewer refused with the
// server's own Forbidden message, the same manifest read by kubectl and by gantry into the same objects, and a
// Deployment's rollout. The controllers run off (GANTRY_CONTROLLERS=off, once the orchestrator lands): the rollout
// test writes the ReplicaSets and the status the Deployment controller would, so what is checked is the CLI.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { REPO_ROOT } from "../support/bundle";
import { setupOwner, signIn, userSession } from "../support/session";
import { kube, kubeEndpoint, mintToken, until, type KubeEndpoint } from "../k8s/support";
import { gantry, type CliResult } from "./support";

let cp: ControlPlane;
let home: string;
let operatorToken: string;
let viewerToken: string;
let ep: KubeEndpoint | undefined;
let seq = 0;

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_CONTROLLERS: "off" } });
  const owner = await setupOwner(cp);
  const ownerCookie = await signIn(cp, owner.email, owner.password);
  operatorToken = await mintToken(cp, (await userSession(cp, ownerCookie, "operator")).cookie);
  viewerToken = await mintToken(cp, (await userSession(cp, ownerCookie, "viewer")).cookie);
  home = mkdtempSync(join(tmpdir(), "gantry-cli-kube-"));
});

after(async () => {
  await ep?.close();
  await cp?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
  for (const dir of manifestDirs) rmSync(dir, { recursive: true, force: true });
});

/** The CLI as the operator (or another token): GANTRY_URL/GANTRY_TOKEN stand for `gantry login`. */
function g(args: string[], opts: { token?: string; stdin?: string } = {}): Promise<CliResult> {
  return gantry(home, args, { GANTRY_URL: cp.url, GANTRY_TOKEN: opts.token ?? operatorToken }, 60_000, opts.stdin);
}

async function ok(args: string[], opts: { token?: string; stdin?: string } = {}): Promise<string> {
  const r = await g(args, opts);
  assert.equal(r.code, 0, `gantry ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const lines = (s: string) => s.trimEnd().split("\n");
/** A table's cells, split on kubectl's column gaps (3 spaces or more). */
const rows = (s: string) => lines(s).map((l) => l.trim().split(/\s{3,}/));

/** The Kubernetes API itself, as the operator, for what the test checks behind the CLI's back. */
async function k8s(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cp.url}/k8s${path}`, {
    method,
    headers: { authorization: `Bearer ${operatorToken}`, ...(body === undefined ? {} : { "content-type": contentType }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function namespaceName(prefix: string): string {
  return `${prefix}-${process.pid}-${++seq}`;
}

const manifestDirs: string[] = [];

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-manifests-"));
  manifestDirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function appManifest(ns: string, opts: { replicas?: number; image?: string } = {}): string {
  return `# a namespace, its settings and a web server
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
  labels: {app: web}
data:
  mode: production
  nginx.conf: |
    server {
      listen 80;  # port
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: ${opts.replicas ?? 2}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${opts.image ?? "nginx:1.25"}
        ports:
        - containerPort: 80
`;
}

test("apply creates a namespace, a configmap and a deployment from one file; applied again nothing changes; a change is configured", async () => {
  const ns = namespaceName("apply");
  const path = file("app.yaml", appManifest(ns));
  assert.deepEqual(lines(await ok(["apply", "-f", path])), [`namespace/${ns} created`, "configmap/settings created", "deployment.apps/web created"]);
  const cm = await k8s("GET", `/api/v1/namespaces/${ns}/configmaps/settings`);
  assert.equal(cm.body.data["nginx.conf"], "server {\n  listen 80;  # port\n}\n", "a literal block keeps its text, comments and all");
  assert.deepEqual(cm.body.metadata.managedFields.map((m: any) => [m.manager, m.operation]), [["gantry", "Apply"]]);

  // The same file again: every object as it was (same resourceVersion), each reported unchanged.
  const before = (await k8s("GET", `/api/v1/namespaces/${ns}`)).body.metadata.resourceVersion;
  assert.deepEqual(lines(await ok(["apply", "-f", path])), [`namespace/${ns} unchanged`, "configmap/settings unchanged", "deployment.apps/web unchanged"]);
  assert.equal((await k8s("GET", `/api/v1/namespaces/${ns}`)).body.metadata.resourceVersion, before);

  // A server dry run of a change reports it and changes nothing; the apply then configures the one object changed.
  writeFileSync(path, appManifest(ns, { replicas: 3, image: "nginx:1.26" }));
  assert.deepEqual(lines(await ok(["apply", "-f", path, "--dry-run=server"])), [
    `namespace/${ns} unchanged (server dry run)`,
    "configmap/settings unchanged (server dry run)",
    "deployment.apps/web configured (server dry run)",
  ]);
  assert.equal((await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body.spec.replicas, 2);
  assert.deepEqual(lines(await ok(["apply", "-f", path])), [`namespace/${ns} unchanged`, "configmap/settings unchanged", "deployment.apps/web configured"]);
  const d = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.spec.template.spec.containers[0].image, "nginx:1.26");

  // JSON works too, from stdin, several objects one after another; -n places objects that name no namespace.
  const json = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "from-json" }, data: { k: "v" } },
    { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "from-list" } }] },
  ].map((o) => JSON.stringify(o, null, 2)).join("\n");
  assert.deepEqual(lines(await ok(["apply", "-f", "-", "-n", ns], { stdin: json })), ["configmap/from-json created", "configmap/from-list created"]);
  assert.equal((await k8s("GET", `/api/v1/namespaces/${ns}/configmaps/from-json`)).body.data.k, "v");

  // --validate=warn: an unknown field is dropped with the server's warning, instead of refusing the object.
  const warned = await g(["apply", "-f", "-", "-n", ns, "--validate=warn"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\ndataa: {k: v}\n" });
  assert.equal(warned.code, 0, warned.stderr);
  assert.equal(warned.stdout, "configmap/loose created\n");
  assert.equal(warned.stderr, 'Warning: unknown field "dataa"\n');
});

test("get prints the server's columns, -o wide, yaml, json and name, across namespaces and by label", async () => {
  const ns = namespaceName("get");
  await ok(["apply", "-f", file("app.yaml", appManifest(ns))]);
  const [plain, wide, yaml, json, name, all, missing, empty] = await Promise.all([
    g(["get", "deployments", "-n", ns]),
    g(["get", "deploy", "web", "-n", ns, "-o", "wide"]),
    g(["get", "deployment/web", "-n", ns, "-o", "yaml"]),
    g(["get", "cm", "-n", ns, "-o", "json"]),
    g(["get", "deploy,cm", "-n", ns, "-o", "name"]),
    g(["get", "configmaps", "-A", "-l", "app=web"]),
    g(["get", "deploy", "nope", "-n", ns]),
    g(["get", "replicasets", "-n", ns]),
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(rows(plain.stdout)[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
  assert.deepEqual(rows(plain.stdout)[1]!.slice(0, 4), ["web", "0/2", "0", "0"]);
  // kubectl's layout: each column 3 spaces past its widest cell, the last one unpadded.
  assert.match(lines(plain.stdout)[0]!, /^NAME {3}READY {3}UP-TO-DATE {3}AVAILABLE {3}AGE$/);

  assert.equal(wide.code, 0, wide.stderr);
  assert.deepEqual(rows(wide.stdout)[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
  assert.deepEqual(rows(wide.stdout)[1]!.slice(5), ["web", "nginx:1.25", "app=web"]);

  // -o yaml: the object itself (managedFields left out, as kubectl does), readable YAML — kubectl reads it below.
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, /^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n/);
  assert.match(yaml.stdout, /\n {6}containers:\n {6}- image: nginx:1\.25\n/);
  assert.doesNotMatch(yaml.stdout, /managedFields/);

  assert.equal(json.code, 0, json.stderr);
  const list = JSON.parse(json.stdout);
  assert.equal(list.kind, "List");
  assert.deepEqual(list.items.map((i: any) => [i.kind, i.metadata.name]), [["ConfigMap", "settings"]]);
  assert.match(json.stdout, /^\{\n {4}"apiVersion": "v1",/, "indented by 4, as kubectl prints JSON");

  assert.deepEqual(lines(name.stdout), ["deployment.apps/web", "configmap/settings"]);

  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(rows(all.stdout)[0], ["NAMESPACE", "NAME", "DATA", "AGE"]);
  assert.ok(rows(all.stdout).some((r) => r[0] === ns && r[1] === "settings"), all.stdout);

  assert.equal(missing.code, 4);
  assert.equal(missing.stderr, `Error from server (NotFound): deployments.apps "nope" not found\n`);
  assert.equal(empty.code, 0);
  assert.equal(empty.stderr, `No resources found in ${ns} namespace.\n`);

  // kubectl reads what -o yaml printed, and applies it unchanged (the same object: nothing to change).
  ep ??= await kubeEndpoint(cp);
  const k = kube(ep, operatorToken);
  writeFileSync(join(k.dir, "web.yaml"), yaml.stdout);
  const r = await k.run(["apply", "--server-side", "--field-manager", "gantry", "-f", join(k.dir, "web.yaml"), "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "nginx:1.25");
});

test("kubectl and gantry read the same manifest into the same objects (YAML 1.1 scalars, block scalars, anchors, flow style)", async () => {
  const [mine, theirs] = [namespaceName("yaml-gantry"), namespaceName("yaml-kubectl")];
  await ok(["apply", "-f", "-"], { stdin: `{apiVersion: v1, kind: Namespace, metadata: {name: ${mine}}}\n---\n{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${theirs}"}}\n` });
  const manifest = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: tricky
  labels: {app: "demo", tier: 'front-end'}
  annotations:
    folded: >
      one
      two

      three
    kept: |+
      a

    stripped: |-
      b
    quoted: "tab\\there \\u00e9 \\"q\\""
    single: 'it''s'
    multi: "first
      second"
data:
  yes-string: "yes"
  octal-looking: "0755"
  url: http://example.com:8080/a#b
  plain: two words # and a comment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tricky
  labels: &labels
    app: "demo"
    tier: 'front-end'
spec:
  replicas: 0x2
  paused: y
  selector: {matchLabels: {app: demo}}
  template:
    metadata:
      labels:
        <<: *labels
        extra: "1"
    spec:
      terminationGracePeriodSeconds: 017
      containers:
      - name: c
        image: busybox:1.36
        tty: on
        args: [sh, -c, 'echo "$0"', 010, 1_000, 1e3, yes, ~]
        env:
          - {name: A, value: "on"}
          - name: B
            value: |
              line one
              line two
        ports: [{containerPort: 8_080, name: http}]
`;
  // kubectl's reader gives numbers, booleans and null where the container's args want strings, and the server refuses
  // them; gantry reads them the same way, so it is refused the same way.
  const path = file("tricky.yaml", manifest);
  ep ??= await kubeEndpoint(cp);
  const k = kube(ep, operatorToken);
  const theirsRefused = await k.run(["apply", "--server-side", "--field-manager", "gantry", "-n", theirs, "-f", path]);
  assert.notEqual(theirsRefused.code, 0, "kubectl should refuse args that are not strings");
  assert.match(theirsRefused.stderr, /args/);
  const mineRefused = await g(["apply", "-f", path, "-n", mine]);
  assert.equal(mineRefused.code, 1);
  assert.match(mineRefused.stderr, /Error from server \(BadRequest\): Deployment in version "v1" cannot be handled as a Deployment: spec\.template\.spec\.containers\[0\]\.args\[3\]/);

  // With the args as strings both apply it, and the objects are the same.
  writeFileSync(path, manifest.replace("args: [sh, -c, 'echo \"$0\"', 010, 1_000, 1e3, yes, ~]", "args: [sh, -c, 'echo \"$0\"', '010']"));
  const applied = await k.run(["apply", "--server-side", "--field-manager", "gantry", "-n", theirs, "-f", path]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual(lines(await ok(["apply", "-f", path, "-n", mine])), ["configmap/tricky created", "deployment.apps/tricky created"]);
  for (const p of ["/api/v1/namespaces/NS/configmaps/tricky", "/apis/apps/v1/namespaces/NS/deployments/tricky"]) {
    const [a, b] = await Promise.all([k8s("GET", p.replace("NS", mine)), k8s("GET", p.replace("NS", theirs))]);
    const strip = (o: any) => ({ ...o, metadata: { ...o.metadata, namespace: undefined, uid: undefined, resourceVersion: undefined, creationTimestamp: undefined, managedFields: undefined, generation: undefined } });
    assert.deepEqual(strip(a.body), strip(b.body), p);
  }
  const cm = (await k8s("GET", `/api/v1/namespaces/${mine}/configmaps/tricky`)).body;
  assert.deepEqual(cm.metadata.annotations, { folded: "one two\nthree\n", kept: "a\n\n", stripped: "b", quoted: 'tab\there é "q"', single: "it's", multi: "first second" });
  assert.deepEqual(cm.data, { "yes-string": "yes", "octal-looking": "0755", url: "http://example.com:8080/a#b", plain: "two words" });
  const d = (await k8s("GET", `/apis/apps/v1/namespaces/${mine}/deployments/tricky`)).body;
  // YAML 1.1 as kubectl's reader has it: y and on are true, 0x2 is 2, 017 is octal, 8_080 is 8080.
  assert.equal(d.spec.replicas, 2);
  assert.equal(d.spec.paused, true);
  assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 15);
  assert.equal(d.spec.template.spec.containers[0].tty, true);
  assert.deepEqual(d.spec.template.metadata.labels, { app: "demo", tier: "front-end", extra: "1" });
  assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 8080);
});

test("a broken file applies nothing: each broken document named with its line and field", async () => {
  const ns = namespaceName("broken");
  await ok(["apply", "-f", "-"], { stdin: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n` });
  const path = file("broken.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
data:
  a: b
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: bad-indent
   labels: {}
---
apiVersion: apps/v1
kind: Deploymnt
metadata:
  name: typo
---
apiVersion: v1
kind: ConfigMap
metadata:
  labels: {a: b}
`);
  const r = await g(["apply", "-f", path, "-n", ns]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.deepEqual(lines(r.stderr), [
    `error: ${path}: document 2 (line 8): line 12, column 10: mapping values are not allowed in this context`,
    `error: ${path}: document 3 (line 14): kind: no kind "Deploymnt" in apps/v1 (it serves ReplicaSet, Deployment)`,
    `error: ${path}: document 4 (line 19): metadata.name: Required value`,
    "gantry: nothing was applied: 3 documents are broken",
  ]);
  assert.equal((await k8s("GET", `/api/v1/namespaces/${ns}/configmaps/fine`)).status, 404);

  // Documents that read well but that the server refuses (a field it requires, an unknown field): nothing applied either.
  const refused = file("refused.yaml", `apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: noselector}
spec:
  template:
    metadata: {labels: {app: x}}
    spec:
      containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: typo}
dataa: {k: v}
`);
  const s = await g(["apply", "-f", refused, "-n", ns]);
  assert.equal(s.code, 1);
  assert.equal(s.stdout, "");
  const err = lines(s.stderr);
  assert.match(err[0]!, new RegExp(`^${refused}: document 2 \\(line 5\\): Error from server \\(Invalid\\): Deployment\\.apps "noselector" is invalid: .*spec\\.selector: Required value`));
  assert.match(err[1]!, new RegExp(`^${refused}: document 3 \\(line 14\\): Error from server \\(BadRequest\\): .*unknown field "dataa"`));
  assert.match(err.at(-1)!, /^gantry: nothing was applied: the server refused 2 objects/);
  assert.equal((await k8s("GET", `/api/v1/namespaces/${ns}/configmaps/fine`)).status, 404);

  // delete -f of a broken file deletes nothing.
  await ok(["apply", "-f", "-", "-n", ns], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n" });
  const d = await g(["delete", "-f", path, "-n", ns]);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /nothing was deleted: 3 documents are broken/);
  assert.equal((await k8s("GET", `/api/v1/namespaces/${ns}/configmaps/fine`)).status, 200);
});

test("scale sets the replicas through the scale subresource; --current-replicas guards the change", async () => {
  const ns = namespaceName("scale");
  await ok(["apply", "-f", file("app.yaml", appManifest(ns))]);
  assert.equal(await ok(["scale", "deployment/web", "--replicas", "4", "-n", ns]), "deployment.apps/web scaled\n");
  const d = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  assert.equal(d.spec.replicas, 4);
  assert.ok(d.metadata.managedFields.some((m: any) => m.manager === "gantry-scale" && JSON.stringify(m.fieldsV1).includes("f:replicas")), JSON.stringify(d.metadata.managedFields));
  const [guarded, right, notScalable, dry] = await Promise.all([
    g(["scale", "deploy", "web", "--replicas", "1", "--current-replicas", "2", "-n", ns]),
    g(["scale", "deploy", "web", "--replicas", "4", "--current-replicas", "4", "-n", ns]),
    g(["scale", "configmap/settings", "--replicas", "1", "-n", ns]),
    g(["scale", "deploy/web", "--replicas", "9", "--dry-run=server", "-n", ns]),
  ]);
  assert.equal(guarded.code, 1);
  assert.match(guarded.stderr, /Expected replicas to be 2, was 4/);
  assert.equal(right.code, 0, right.stderr);
  assert.equal(notScalable.code, 2);
  assert.match(notScalable.stderr, /configmaps cannot be scaled/);
  assert.equal(dry.stdout, "deployment.apps/web scaled (server dry run)\n");
  assert.equal((await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`)).body.spec.replicas, 4);
});

test("delete by name, by file and by label; --cascade=orphan keeps dependents; --grace-period and --force for pods", async () => {
  const ns = namespaceName("delete");
  const path = file("app.yaml", appManifest(ns));
  await ok(["apply", "-f", path]);
  // A dependent of the Deployment: the garbage collector takes it with its owner unless the delete orphans it.
  const owner = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  const dependent = (name: string) => ({
    apiVersion: "v1", kind: "ConfigMap",
    metadata: { name, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: owner.metadata.uid }] },
  });
  assert.equal((await k8s("POST", `/api/v1/namespaces/${ns}/configmaps`, dependent("kept"))).status, 201);
  assert.equal(await ok(["delete", "deployment", "web", "-n", ns, "--cascade=orphan"]), 'deployment.apps "web" deleted\n');
  assert.equal((await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).status, 404, "--wait: gone when delete returns");
  const kept = (await k8s("GET", `/api/v1/namespaces/${ns}/configmaps/kept`)).body;
  assert.deepEqual(kept.metadata.ownerReferences ?? [], [], "orphaned: no longer owned");

  // Applied again; a background delete (the default) leaves the dependent to the collector, which removes it.
  await ok(["apply", "-f", path]);
  const again = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  await k8s("POST", `/api/v1/namespaces/${ns}/configmaps`, { ...dependent("collected"), metadata: { ...dependent("collected").metadata, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: again.metadata.uid }] } });
  assert.equal(await ok(["delete", "deploy/web", "-n", ns]), 'deployment.apps "web" deleted\n');
  await until(async () => (await k8s("GET", `/api/v1/namespaces/${ns}/configmaps/collected`)).status === 404, 15_000, "the collector to remove the dependent");

  // A pod bound to a node is deleted gracefully: --grace-period sets how long; --force with 0 removes it at once.
  await ok(["apply", "-f", "-", "-n", ns], { stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  nodeName: elsewhere\n  containers: [{name: c, image: busybox}]\n" });
  assert.equal(await ok(["delete", "pod", "p", "-n", ns, "--grace-period=7", "--wait=false"]), 'pod "p" deleted\n');
  const terminating = (await k8s("GET", `/api/v1/namespaces/${ns}/pods/p`)).body;
  assert.equal(terminating.metadata.deletionGracePeriodSeconds, 7);
  const forced = await g(["delete", "pod", "p", "-n", ns, "--grace-period=0", "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(forced.stdout, 'pod "p" force deleted\n');
  assert.match(forced.stderr, /^Warning: Immediate deletion does not wait for confirmation/);
  assert.equal((await k8s("GET", `/api/v1/namespaces/${ns}/pods/p`)).status, 404);

  // By label, by file; a missing object is NotFound (exit 4) unless --ignore-not-found.
  assert.deepEqual(lines(await ok(["delete", "cm", "-l", "app=web", "-n", ns])), ['configmap "settings" deleted']);
  const [missing, ignored] = await Promise.all([g(["delete", "cm", "settings", "-n", ns]), g(["delete", "cm", "settings", "-n", ns, "--ignore-not-found"])]);
  assert.equal(missing.code, 4);
  assert.equal(missing.stderr, 'Error from server (NotFound): configmaps "settings" not found\n');
  assert.equal(ignored.code, 0);
  await ok(["apply", "-f", path]);
  assert.deepEqual(lines(await ok(["delete", "-f", path])), [`namespace "${ns}" deleted`, 'configmap "settings" deleted', 'deployment.apps "web" deleted']);
});

test("a viewer's token is refused with the server's Forbidden message, and may still read", async () => {
  const ns = namespaceName("viewer");
  const path = file("app.yaml", appManifest(ns));
  await ok(["apply", "-f", path]);
  const [apply, del, scale, get] = await Promise.all([
    g(["apply", "-f", path], { token: viewerToken }),
    g(["delete", "configmap", "settings", "-n", ns], { token: viewerToken }),
    g(["scale", "deploy/web", "--replicas", "5", "-n", ns], { token: viewerToken }),
    g(["get", "deploy", "-n", ns, "-o", "name"], { token: viewerToken }),
  ]);
  assert.equal(apply.code, 3);
  assert.equal(apply.stdout, "");
  assert.match(apply.stderr, new RegExp(`${path}: document 2 \\(line 7\\): Error from server \\(Forbidden\\): configmaps "settings" is forbidden: User "viewer-[^"]+" cannot patch resource "configmaps" in API group "" in the namespace "${ns}": your role \\(viewer\\) as narrowed by this API token does not allow k8s\\.write`));
  assert.equal(del.code, 3);
  assert.match(del.stderr, /^Error from server \(Forbidden\): configmaps "settings" is forbidden: User "viewer-[^"]+" cannot delete resource "configmaps"/);
  assert.equal(scale.code, 3);
  assert.match(scale.stderr, /Error from server \(Forbidden\): deployments\.apps "web" is forbidden: .* cannot patch resource "deployments"/);
  assert.equal(get.stdout, "deployment.apps/web\n");
  assert.equal((await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body.spec.replicas, 2);
});

/** A ReplicaSet as the Deployment controller makes one: owned by it, its template with the hash label, a revision. */
function replicaSet(deployment: any, revision: number, image: string, cause?: string) {
  const hash = `h${revision}`;
  const template = JSON.parse(JSON.stringify(deployment.spec.template));
  template.metadata.labels["pod-template-hash"] = hash;
  template.spec.containers[0].image = image;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `web-${hash}`,
      labels: { ...template.metadata.labels },
      annotations: { "deployment.kubernetes.io/revision": String(revision), ...(cause ? { "kubernetes.io/change-cause": cause } : {}) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name, uid: deployment.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 0, selector: { matchLabels: { app: "web", "pod-template-hash": hash } }, template },
  };
}

test("rollout history, undo, pause, resume and restart read and write what kubectl does", async () => {
  const ns = namespaceName("rollout");
  await ok(["apply", "-f", file("app.yaml", appManifest(ns, { image: "nginx:1.26" }))]);
  const d = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  for (const rs of [replicaSet(d, 1, "nginx:1.24", "first"), replicaSet(d, 2, "nginx:1.25"), replicaSet(d, 3, "nginx:1.26", "current")])
    assert.equal((await k8s("POST", `/apis/apps/v1/namespaces/${ns}/replicasets`, rs)).status, 201);
  // Not the Deployment's: a ReplicaSet its selector matches but that another controller owns is no revision of it.
  const stranger = replicaSet({ ...d, metadata: { ...d.metadata, uid: "00000000-0000-0000-0000-000000000000" } }, 9, "nginx:9", "not mine");
  assert.equal((await k8s("POST", `/apis/apps/v1/namespaces/${ns}/replicasets`, { ...stranger, metadata: { ...stranger.metadata, name: "stranger" } })).status, 201);

  const history = await ok(["rollout", "history", "deployment/web", "-n", ns]);
  assert.equal(history, "deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         first\n2         <none>\n3         current\n\n");
  const one = await ok(["rollout", "history", "deploy/web", "-n", ns, "--revision=1"]);
  assert.match(one, /^deployment\.apps\/web with revision #1\nPod Template:\n {2}Labels:\tapp=web\n\tpod-template-hash=h1\n {2}Containers:\n {3}web:\n {4}Image:\tnginx:1\.24\n {4}Port:\t80\/TCP\n/);

  // undo: the previous revision's template (without its hash label) goes back into the Deployment.
  assert.equal(await ok(["rollout", "undo", "deployment/web", "-n", ns]), "deployment.apps/web rolled back\n");
  let now = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  assert.equal(now.spec.template.spec.containers[0].image, "nginx:1.25");
  assert.deepEqual(now.spec.template.metadata.labels, { app: "web" });
  assert.equal(await ok(["rollout", "undo", "deployment/web", "-n", ns, "--to-revision=1"]), "deployment.apps/web rolled back\n");
  now = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  assert.equal(now.spec.template.spec.containers[0].image, "nginx:1.24");
  assert.equal(now.metadata.annotations["kubernetes.io/change-cause"], "first", "the revision's annotations come with it");
  const [same, unknown] = await Promise.all([
    g(["rollout", "undo", "deployment/web", "-n", ns, "--to-revision=1"]),
    g(["rollout", "undo", "deployment/web", "-n", ns, "--to-revision=9"]),
  ]);
  assert.equal(same.stdout, "deployment.apps/web skipped rollback (current template already matches revision 1)\n");
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, "error: unable to find specified revision 9 in history\n");

  // pause / resume / restart, each refused in the state where kubectl refuses it.
  assert.equal(await ok(["rollout", "pause", "deployment/web", "-n", ns]), "deployment.apps/web paused\n");
  assert.equal((await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body.spec.paused, true);
  const [pausedTwice, restartPaused, undoPaused] = await Promise.all([
    g(["rollout", "pause", "deployment/web", "-n", ns]),
    g(["rollout", "restart", "deployment/web", "-n", ns]),
    g(["rollout", "undo", "deployment/web", "-n", ns]),
  ]);
  assert.equal(pausedTwice.stderr, 'error: deployments.apps "web" is already paused\n');
  assert.equal(restartPaused.stderr, `error: deployments.apps "web" can't restart paused deployment (run rollout resume first)\n`);
  assert.match(undoPaused.stderr, /you cannot rollback a paused deployment; resume it first/);
  assert.equal(await ok(["rollout", "resume", "deployment/web", "-n", ns]), "deployment.apps/web resumed\n");
  assert.ok(!(await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body.spec.paused);
  const started = Date.now();
  assert.equal(await ok(["rollout", "restart", "deployment/web", "-n", ns]), "deployment.apps/web restarted\n");
  const stamp = (await k8s("GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).body.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"];
  assert.ok(Math.abs(Date.parse(stamp) - started) < 60_000, `restartedAt ${stamp}`);
  assert.equal((await g(["rollout", "history", "configmap/settings", "-n", ns])).code, 2, "rollout is for deployments");
});

test("rollout status follows the Deployment's status until it is rolled out, and stops at a deadline", async () => {
  const ns = namespaceName("status");
  await ok(["apply", "-f", file("app.yaml", appManifest(ns, { replicas: 3 }))]);
  const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
  const generation = (await k8s("GET", path)).body.metadata.generation;
  assert.equal(await ok(["rollout", "status", "deployment/web", "-n", ns, "--watch=false"]), "Waiting for deployment spec update to be observed...\n");

  // The controller's progress, written through the status subresource while the CLI watches.
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin/gantry.mjs"), "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s"], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: "", GANTRY_URL: cp.url, GANTRY_TOKEN: operatorToken },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number>((r) => child.once("exit", (code) => r(code ?? -1)));
  const step = async (status: object, expect: RegExp) => {
    assert.equal((await k8s("PATCH", `${path}/status`, { status: { observedGeneration: generation, ...status } }, "application/merge-patch+json")).status, 200);
    await until(() => expect.test(out), 20_000, `rollout status to print ${expect} (printed: ${out})`);
  };
  await until(() => out.includes("Waiting for deployment spec update to be observed..."), 20_000, `the first status (printed: ${out})`);
  await step({ replicas: 4, updatedReplicas: 1 }, /1 out of 3 new replicas have been updated/);
  await step({ replicas: 4, updatedReplicas: 3 }, /1 old replicas are pending termination/);
  await step({ replicas: 3, updatedReplicas: 3, availableReplicas: 2 }, /2 of 3 updated replicas are available/);
  await step({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, /successfully rolled out/);
  assert.equal(await exited, 0, out);
  assert.deepEqual(lines(out), [
    "Waiting for deployment spec update to be observed...",
    'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    'deployment "web" successfully rolled out',
  ]);

  // A new spec not yet observed, with a timeout: it gives up. A Deployment past its progress deadline: an error.
  await ok(["scale", "deploy/web", "--replicas", "5", "-n", ns]);
  const timedOut = await g(["rollout", "status", "deploy/web", "-n", ns, "--timeout=2s"]);
  assert.equal(timedOut.code, 1);
  assert.equal(timedOut.stderr, "error: timed out waiting for the condition\n");
  await k8s("PATCH", `${path}/status`, { status: { observedGeneration: generation + 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] } }, "application/merge-patch+json");
  const deadline = await g(["rollout", "status", "deploy/web", "-n", ns]);
  assert.equal(deadline.code, 1);
  assert.equal(deadline.stderr, 'error: deployment "web" exceeded its progress deadline\n');
});
