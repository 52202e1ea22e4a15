// The Kubernetes API driven by the real kubectl (/usr/bin/kubectl 1.32) against a real control plane: discovery,
// Namespaces, ConfigMaps and Secrets created from files, stdin and kubectl's typed commands, apply/patch/replace/delete,
// selectors, conflicts, watch (kubectl get -w, resume, 410 Gone), roles, bad input, and Secrets sealed at rest.
// One control plane for the file, serving https with its own certificate as users run it (kubectl sends tokens only
// over TLS); each test works in namespaces of its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn, userSession } from "../support/session";
import { gantry } from "../cli/support";
import { kapi, kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "./support";

/** A short watch history, so the 410 Gone test need not wait five minutes; every other test resumes well within it. */
const HISTORY_SECONDS = 8;

let cp: ControlPlane;
let ep: KubeEndpoint;
let ownerCookie: string;
let k: Kube; // an operator's kubectl
let operatorToken: string;
let viewer: Kube;
let sql: pg.Client;

const systemFetch = globalThis.fetch;

before(async () => {
  cp = await startControlPlane({ tls: true, env: { GANTRY_K8S_WATCH_HISTORY_SECONDS: String(HISTORY_SECONDS) } });
  globalThis.fetch = cp.fetch; // the session helpers' fetch, trusting the control plane's certificate
  ep = await kubeEndpoint(cp);
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
  operatorToken = await mintToken(cp, (await userSession(cp, ownerCookie, "operator")).cookie);
  k = kube(ep, operatorToken);
  viewer = kube(ep, await mintToken(cp, (await userSession(cp, ownerCookie, "viewer")).cookie));
  sql = new pg.Client({ connectionString: cp.databaseUrl });
  await sql.connect();
});

after(async () => {
  globalThis.fetch = systemFetch;
  await sql?.end();
  await ep?.close();
  await cp?.destroy();
});

async function ok(kc: Kube, args: string[], stdin?: string): Promise<string> {
  const r = await kc.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function fails(kc: Kube, args: string[], stdin?: string): Promise<string> {
  const r = await kc.run(args, { stdin });
  assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} should have failed:\n${r.stdout}`);
  return r.stderr;
}

/** The rows of a table kubectl printed, split on runs of spaces. */
const rows = (out: string) => out.trim().split("\n").map((l) => l.trim().split(/\s{2,}|\s+(?=\S)/).filter(Boolean));

let nsCounter = 0;
async function namespace(): Promise<string> {
  const ns = `t${process.pid}-${++nsCounter}`;
  await ok(k, ["create", "namespace", ns]);
  return ns;
}

test("kubectl version and api-resources list what is served", async () => {
  assert.match(await ok(k, ["version"]), /Server Version: v1\.32\./);
  const out = await ok(k, ["api-resources"]);
  const byName = new Map(rows(out).slice(1).map((r) => [r[0], r]));
  assert.deepEqual(byName.get("configmaps"), ["configmaps", "cm", "v1", "true", "ConfigMap"]);
  assert.deepEqual(byName.get("namespaces"), ["namespaces", "ns", "v1", "false", "Namespace"]);
  assert.deepEqual(byName.get("secrets"), ["secrets", "v1", "true", "Secret"]);
  assert.deepEqual(byName.get("nodes"), ["nodes", "no", "v1", "false", "Node"]);
  assert.deepEqual(byName.get("events"), ["events", "ev", "v1", "true", "Event"]);
  assert.match(await ok(k, ["explain", "configmap.data"]), /FIELD: data <map\[string\]string>/);

  // The legacy documents older clients (kubectl 1.20) walk when they do not ask for aggregated discovery.
  const raw = kapi(ep, operatorToken);
  assert.deepEqual((await raw.request("GET", "/api")).body.versions, ["v1"]);
  const v1 = (await raw.request("GET", "/api/v1")).body;
  assert.equal(v1.kind, "APIResourceList");
  assert.deepEqual(v1.resources.find((r: { name: string }) => r.name === "secrets"), {
    name: "secrets", singularName: "secret", namespaced: true, kind: "Secret",
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    storageVersionHash: v1.resources.find((r: { name: string }) => r.name === "secrets").storageVersionHash,
  });
  assert.equal((await raw.request("GET", "/apis")).body.kind, "APIGroupList");
  assert.equal((await raw.request("GET", "/apis/batch/v1")).status, 404);
});

test("namespaces: default, kube-public and kube-system exist and stay; a new one is Active", async () => {
  const ns = await namespace();
  const table = rows(await ok(k, ["get", "namespaces"]));
  assert.deepEqual(table[0], ["NAME", "STATUS", "AGE"]);
  const names = table.slice(1).map((r) => r[0]);
  for (const n of ["default", "kube-public", "kube-system", ns]) assert.ok(names.includes(n), `${n} listed`);
  assert.equal(table.find((r) => r[0] === ns)![1], "Active");
  assert.equal(await ok(k, ["get", "ns", ns, "-o", "jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}"]), ns);
  assert.match(await fails(k, ["delete", "namespace", "default"]), /Forbidden.*this namespace may not be deleted/);
});

test("a ConfigMap from a file: apply creates, apply again configures, kubectl get prints NAME DATA AGE, patch edits, delete removes", async () => {
  const ns = await namespace();
  const file = join(k.dir, "web.yaml");
  const manifest = (b: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels: {app: web}\ndata:\n  a: "1"\n  b: ${b}\n`;
  writeFileSync(file, manifest("two"));
  assert.match(await ok(k, ["apply", "-n", ns, "-f", file]), /configmap\/web created/);
  assert.match(await ok(k, ["apply", "-n", ns, "-f", file]), /configmap\/web unchanged/);
  writeFileSync(file, manifest("three"));
  assert.match(await ok(k, ["apply", "-n", ns, "-f", file]), /configmap\/web configured/);

  const table = rows(await ok(k, ["get", "cm", "-n", ns]));
  assert.deepEqual(table[0], ["NAME", "DATA", "AGE"]);
  assert.deepEqual(table.slice(1).map((r) => r.slice(0, 2)), [["web", "2"]]);
  assert.match(table[1]![2]!, /^\d+s$/);
  const got = JSON.parse(await ok(k, ["get", "cm", "web", "-n", ns, "-o", "json"]));
  assert.deepEqual(got.data, { a: "1", b: "three" });
  assert.match(got.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(got.metadata.resourceVersion, /^\d+$/);
  assert.match(got.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  // Edits by patch: strategic merge (kubectl's default), merge and JSON patch.
  await ok(k, ["patch", "cm", "web", "-n", ns, "-p", '{"data":{"c":"3"}}']);
  await ok(k, ["patch", "cm", "web", "-n", ns, "--type=merge", "-p", '{"data":{"a":null}}']);
  await ok(k, ["patch", "cm", "web", "-n", ns, "--type=json", "-p", '[{"op":"replace","path":"/data/b","value":"B"}]']);
  assert.equal(await ok(k, ["get", "cm", "web", "-n", ns, "-o", "jsonpath={.data}"]), '{"b":"B","c":"3"}');
  assert.match(await fails(k, ["patch", "cm", "web", "-n", ns, "--type=json", "-p", '[{"op":"test","path":"/data/b","value":"x"}]']), /testing value \/data\/b failed/);
  await ok(k, ["label", "cm", "web", "-n", ns, "tier=front"]);
  assert.match(await ok(k, ["get", "cm", "-n", ns, "--show-labels"]), /app=web,tier=front/);

  assert.match(await ok(k, ["delete", "cm", "web", "-n", ns]), /configmap "web" deleted/);
  assert.match(await fails(k, ["get", "cm", "web", "-n", ns]), /NotFound.*configmaps "web" not found/);
});

test("typed commands and stdin: create configmap, secret generic and tls, namespace; a Secret from stdin folds stringData into data", async () => {
  const ns = await namespace();
  await ok(k, ["create", "configmap", "typed", "-n", ns, "--from-literal=k1=v1", "--from-literal=k2=v2"]);
  assert.equal(await ok(k, ["get", "cm", "typed", "-n", ns, "-o", "jsonpath={.data.k2}"]), "v2");
  await ok(k, ["create", "secret", "generic", "gen", "-n", ns, "--from-literal=password=s3cret"]);
  assert.equal(Buffer.from(await ok(k, ["get", "secret", "gen", "-n", ns, "-o", "jsonpath={.data.password}"]), "base64").toString(), "s3cret");

  const manifest = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ntype: kubernetes.io/basic-auth\nstringData: {password: from-stdin}\ndata: {username: YWRtaW4=}\n";
  assert.match(await ok(k, ["create", "-n", ns, "-f", "-"], manifest), /secret\/db created/);
  const secret = JSON.parse(await ok(k, ["get", "secret", "db", "-n", ns, "-o", "json"]));
  assert.deepEqual(secret.data, { username: "YWRtaW4=", password: Buffer.from("from-stdin").toString("base64") });
  assert.equal(secret.stringData, undefined);
  const table = rows(await ok(k, ["get", "secrets", "-n", ns]));
  assert.deepEqual(table[0], ["NAME", "TYPE", "DATA", "AGE"]);
  assert.deepEqual(table.slice(1).map((r) => r.slice(0, 3)), [["db", "kubernetes.io/basic-auth", "2"], ["gen", "Opaque", "1"]]);

  // describe reads the object and its events.
  assert.match(await ok(k, ["describe", "cm", "typed", "-n", ns]), /k1:\s+----\s+v1/);
});

test("deleting a namespace deletes what is in it", async () => {
  const ns = await namespace();
  await ok(k, ["create", "configmap", "inside", "-n", ns, "--from-literal=a=b"]);
  await ok(k, ["create", "secret", "generic", "inside", "-n", ns, "--from-literal=a=b"]);
  assert.match(await ok(k, ["delete", "namespace", ns]), new RegExp(`namespace "${ns}" deleted`));
  assert.match(await fails(k, ["get", "ns", ns]), /NotFound/);
  const { rows: left } = await sql.query(`SELECT resource, name FROM "KubeObject" WHERE namespace = $1`, [ns]);
  assert.deepEqual(left, []);
  assert.match(await fails(k, ["create", "configmap", "late", "-n", ns]), /namespaces "[^"]+" not found/);
});

test("label selectors (=, !=, in, notin, exists, !) and field selectors", async () => {
  const ns = await namespace();
  for (const [name, labels] of [["a", "app=web,tier=front"], ["b", "app=web,tier=back,legacy=yes"], ["c", "app=db"]] as const) {
    await ok(k, ["create", "cm", name, "-n", ns]);
    await ok(k, ["label", "cm", name, "-n", ns, ...labels.split(",")]);
  }
  const names = async (...args: string[]) =>
    (await ok(k, ["get", "cm", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}", ...args])).split(" ").filter(Boolean);
  assert.deepEqual(await names("-l", "app=web"), ["a", "b"]);
  assert.deepEqual(await names("-l", "app!=web"), ["c"]);
  assert.deepEqual(await names("-l", "tier in (front,back)"), ["a", "b"]);
  assert.deepEqual(await names("-l", "tier notin (front)"), ["b", "c"]);
  assert.deepEqual(await names("-l", "legacy"), ["b"]);
  assert.deepEqual(await names("-l", "!legacy,app=web"), ["a"]);
  assert.deepEqual(await names("--field-selector", "metadata.name=c"), ["c"]);
  assert.deepEqual(await names("--field-selector", "metadata.name!=c"), ["a", "b"]);
  assert.match(await fails(k, ["get", "cm", "-n", ns, "--field-selector", "data.a=1"]), /field label not supported: data\.a/);
  const all = await ok(k, ["get", "cm", "-A", "-l", "app=db"]);
  assert.deepEqual(rows(all)[0], ["NAMESPACE", "NAME", "DATA", "AGE"]);
  assert.equal(rows(all)[1]![0], ns);

  // deletecollection takes the same selectors.
  const gone = await kapi(ep, operatorToken).request("DELETE", `/api/v1/namespaces/${ns}/configmaps?labelSelector=tier`);
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  assert.deepEqual(gone.body.items.map((i: { metadata: { name: string } }) => i.metadata.name), ["a", "b"]);
  assert.deepEqual(await names(), ["c"]);
});

test("a stale update is a Conflict; a dry run stores nothing; generateName makes a name", async () => {
  const ns = await namespace();
  await ok(k, ["create", "cm", "cfg", "-n", ns, "--from-literal=a=1"]);
  const stale = join(k.dir, `stale-${ns}.json`);
  writeFileSync(stale, await ok(k, ["get", "cm", "cfg", "-n", ns, "-o", "json"]));
  await ok(k, ["patch", "cm", "cfg", "-n", ns, "-p", '{"data":{"a":"2"}}']);
  assert.match(await fails(k, ["replace", "-f", stale]), /Conflict.*Operation cannot be fulfilled on configmaps "cfg": the object has been modified/);
  assert.equal(await ok(k, ["get", "cm", "cfg", "-n", ns, "-o", "jsonpath={.data.a}"]), "2");

  assert.match(await ok(k, ["create", "cm", "dry", "-n", ns, "--dry-run=server", "-o", "name"]), /configmap\/dry/);
  assert.match(await fails(k, ["get", "cm", "dry", "-n", ns]), /NotFound/);

  const made = await ok(k, ["create", "-n", ns, "-o", "name", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: gen-}\n");
  assert.match(made.trim(), /^configmap\/gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test("server-side apply: the manager owns its configuration's fields, drops what it stops sending, and conflicts with other managers", async () => {
  const ns = await namespace();
  const file = join(k.dir, `ssa-${ns}.yaml`);
  const write = (labels: string, data: string) => writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels: {${labels}}\ndata: {${data}}\n`);
  write("app: ssa, temp: t", 'a: "1", b: "2"');
  assert.match(await ok(k, ["apply", "--server-side", "-n", ns, "-f", file]), /configmap\/ssa serverside-applied/);
  const managed = JSON.parse(await ok(k, ["get", "cm", "ssa", "-n", ns, "-o", "json", "--show-managed-fields"])).metadata.managedFields;
  assert.deepEqual(managed.map((m: { manager: string; operation: string }) => [m.manager, m.operation]), [["kubectl", "Apply"]]);
  assert.deepEqual(managed[0].fieldsV1, { "f:data": { "f:a": {}, "f:b": {} }, "f:metadata": { "f:labels": { "f:app": {}, "f:temp": {} } } });

  // Another manager's label stays when the applier drops its own label and key.
  await ok(k, ["label", "cm", "ssa", "-n", ns, "other=x"]);
  write("app: ssa", 'a: "1"');
  await ok(k, ["apply", "--server-side", "-n", ns, "-f", file]);
  const after = JSON.parse(await ok(k, ["get", "cm", "ssa", "-n", ns, "-o", "json"]));
  assert.deepEqual(after.metadata.labels, { app: "ssa", other: "x" });
  assert.deepEqual(after.data, { a: "1" });

  // A field another manager changed is a conflict until --force-conflicts takes it over.
  await ok(k, ["patch", "cm", "ssa", "-n", ns, "-p", '{"data":{"a":"patched"}}']);
  assert.match(await fails(k, ["apply", "--server-side", "-n", ns, "-f", file]), /Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: \.data\.a/);
  assert.equal(await ok(k, ["get", "cm", "ssa", "-n", ns, "-o", "jsonpath={.data.a}"]), "patched");
  await ok(k, ["apply", "--server-side", "--force-conflicts", "-n", ns, "-f", file]);
  assert.equal(await ok(k, ["get", "cm", "ssa", "-n", ns, "-o", "jsonpath={.data.a}"]), "1");
  // Applying to an object that does not exist creates it.
  writeFileSync(file, "apiVersion: v1\nkind: Secret\nmetadata: {name: applied}\nstringData: {k: v}\n");
  await ok(k, ["apply", "--server-side", "-n", ns, "-f", file]);
  assert.equal(Buffer.from(await ok(k, ["get", "secret", "applied", "-n", ns, "-o", "jsonpath={.data.k}"]), "base64").toString(), "v");
});

test("kubectl get -w sees ADDED, MODIFIED and DELETED made by another kubectl", async () => {
  const ns = await namespace();
  await ok(k, ["create", "cm", "sentinel", "-n", ns]);
  const watcher = k.spawn(["get", "cm", "-n", ns, "-w", "--output-watch-events"]);
  try {
    // The watch is open once the list (the sentinel, as an ADDED event) was printed.
    await until(() => /ADDED\s+sentinel/.test(watcher.output()), 20_000, "the watch to start");
    await ok(k, ["create", "cm", "watched", "-n", ns, "--from-literal=a=1"]);
    await ok(k, ["label", "cm", "watched", "-n", ns, "seen=yes"]);
    await ok(k, ["delete", "cm", "watched", "-n", ns]);
    await until(() => /DELETED\s+watched/.test(watcher.output()), 20_000, `DELETED in:\n${watcher.output()}`);
  } finally {
    await watcher.stop();
  }
  const events = watcher.output().split("\n").filter((l) => /\bwatched\b/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(events, ["ADDED", "MODIFIED", "DELETED"]);
  assert.match(watcher.output(), /EVENT\s+NAME\s+DATA\s+AGE/);
});

test("a watch resumes after a resourceVersion, filters by selector, sends bookmarks; one older than the history is 410 Gone", async () => {
  const ns = await namespace();
  const raw = kapi(ep, operatorToken);
  const base = `/api/v1/namespaces/${ns}/configmaps`;
  const created = await raw.request("POST", base, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "r", labels: { app: "x" } } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const from = created.body.metadata.resourceVersion as string;
  const merge = { "content-type": "application/merge-patch+json" };
  const p1 = await raw.request("PATCH", `${base}/r`, { data: { v: "1" } }, merge);
  const p2 = await raw.request("PATCH", `${base}/r`, { metadata: { labels: { app: "y" } } }, merge);
  assert.equal(p2.status, 200);

  // Everything after `from`, in order, from the change log.
  const all = raw.watch(`${base}?watch=true&resourceVersion=${from}`);
  await all.waitFor((e) => e.object.metadata?.resourceVersion === p2.body.metadata.resourceVersion);
  all.close();
  assert.deepEqual(all.events.map((e) => [e.type, e.object.metadata.resourceVersion]), [
    ["MODIFIED", p1.body.metadata.resourceVersion],
    ["MODIFIED", p2.body.metadata.resourceVersion],
  ]);
  // With a selector, the relabelled object leaves the selection: a DELETED event.
  const selected = raw.watch(`${base}?watch=true&resourceVersion=${from}&labelSelector=app%3Dx`);
  await selected.waitFor((e) => e.type === "DELETED");
  selected.close();
  assert.deepEqual(selected.events.map((e) => e.type), ["MODIFIED", "DELETED"]);

  // sendInitialEvents: the current objects, then a bookmark marking their end.
  const initial = raw.watch(`${base}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`);
  const mark = await initial.waitFor((e) => e.type === "BOOKMARK");
  initial.close();
  assert.deepEqual(initial.events.map((e) => e.type), ["ADDED", "BOOKMARK"]);
  assert.equal(mark.object.metadata.annotations["k8s.io/initial-events-end"], "true");

  // Older than the history kept: one ERROR event carrying a 410 Expired Status.
  await new Promise((r) => setTimeout(r, (HISTORY_SECONDS + 3) * 1000));
  await raw.request("PATCH", `${base}/r`, { data: { v: "2" } }, merge);
  const gone = raw.watch(`${base}?watch=true&resourceVersion=${from}`);
  const error = await gone.waitFor((e) => e.type === "ERROR", 15_000);
  gone.close();
  assert.equal(error.object.kind, "Status");
  assert.equal(error.object.code, 410);
  assert.equal(error.object.reason, "Expired");
  assert.match(error.object.message, /too old resource version/);
});

test("a viewer reads configmaps but may not create (the message names the right) nor read secrets; no token is 401; a revoked token's watch ends", async () => {
  const ns = await namespace();
  await ok(k, ["create", "cm", "visible", "-n", ns]);
  await ok(k, ["create", "secret", "generic", "hidden", "-n", ns, "--from-literal=a=b"]);
  assert.match(await ok(viewer, ["get", "cm", "-n", ns]), /visible/);
  const denied = await fails(viewer, ["create", "cm", "nope", "-n", ns]);
  assert.match(denied, /forbidden.*cannot create resource "configmaps".*your role \(viewer\) as narrowed by this API token does not allow k8s\.write/);
  assert.match(await fails(viewer, ["create", "-n", ns, "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nope}\n"), /Forbidden.*k8s\.write/);
  assert.match(await fails(viewer, ["get", "secrets", "-n", ns]), /Forbidden.*cannot list resource "secrets".*k8s\.secrets\.read/);
  assert.match(await fails(viewer, ["get", "secret", "hidden", "-n", ns]), /Forbidden.*k8s\.secrets\.read/);
  assert.match(await fails(viewer, ["get", "secrets", "-n", ns, "-w"]), /Forbidden/);
  assert.match(await fails(k, ["get", "cm", "nope", "-n", ns]), /NotFound/, "the operator was not the one refused");

  // kubectl without any credential asks for a username on its terminal; the API itself answers a 401 Status.
  const anonymous = await kapi(ep, null).request("GET", `/api/v1/namespaces/${ns}/configmaps`);
  assert.equal(anonymous.status, 401);
  assert.deepEqual([anonymous.body.kind, anonymous.body.reason], ["Status", "Unauthorized"]);
  // A watch lasts only as long as its token: revoked, the stream ends with an ERROR event.
  const minted = await api(cp, ownerCookie).post("/api/v1/tokens", { name: "watch-then-revoke" });
  assert.equal(minted.status, 201);
  const watching = kapi(ep, minted.body.token).watch(`/api/v1/namespaces/${ns}/secrets?watch=true`);
  await watching.waitFor((e) => e.type === "ADDED" && e.object.metadata.name === "hidden");
  assert.equal((await api(cp, ownerCookie).delete(`/api/v1/tokens/${minted.body.apiToken.id}`)).status, 200);
  const cut = await watching.waitFor((e) => e.type === "ERROR", 15_000, "the revoked token's watch to end");
  assert.equal(cut.object.code, 401);
  await until(() => watching.ended(), 5000, "the stream to close");

  const unknown = kube(ep, "gat_" + "A".repeat(43));
  assert.match(await fails(unknown, ["get", "cm"]), /You must be logged in to the server \(the server has asked for the client to provide credentials\)/);
});

test("kubectl auth can-i answers as the verbs themselves decide, per role, subresource and non-resource path; --list and whoami", async () => {
  const ns = await namespace();
  /** kubectl auth can-i's answer (its first word) and its exit code. */
  const canI = async (kc: Kube, args: string[]) => {
    const r = await kc.run(["auth", "can-i", ...args]);
    return { said: r.stdout.trim(), code: r.code, stderr: r.stderr };
  };
  for (const [args, operator, viewerSays] of [
    [["create", "deployments.apps", "-n", ns], "yes", "no"],
    [["get", "configmaps", "-n", ns], "yes", "yes"],
    [["list", "secrets", "-n", ns], "yes", "no"],
    [["create", "pods", "--subresource=exec", "-n", ns], "yes", "no"],
    [["get", "pods", "--subresource=log", "-n", ns], "yes", "no"],
    [["get", "pods/web", "-n", ns], "yes", "yes"], // pods/NAME: a pod by name
    [["patch", "deployments.apps", "--subresource=scale", "-n", ns], "yes", "no"],
    [["delete", "nodes"], "no", "no"], // the fleet's hosts are not deleted through the API
    [["get", "/api"], "yes", "yes"],
    [["get", "/version"], "yes", "yes"],
  ] as const) {
    const o = await canI(k, [...args]);
    const v = await canI(viewer, [...args]);
    assert.equal(o.said.split(" ")[0], operator, `operator: can-i ${args.join(" ")}: ${o.said} ${o.stderr}`);
    assert.equal(v.said.split(" ")[0], viewerSays, `viewer: can-i ${args.join(" ")}: ${v.said} ${v.stderr}`);
    assert.equal(o.code, operator === "yes" ? 0 : 1);
  }
  // A "no" says why, in the policy module's words; and it holds: the verb itself is refused for the same right.
  assert.match((await canI(viewer, ["create", "configmaps", "-n", ns])).said, /^no - your role \(viewer\) as narrowed by this API token does not allow k8s\.write$/);
  assert.match(await fails(viewer, ["create", "cm", "x", "-n", ns]), /k8s\.write/);
  assert.match((await canI(k, ["delete", "nodes"])).said, /^no - delete is not supported on nodes/);

  // --list: a table of what one may do — the viewer's has configmaps with read verbs and no secrets.
  const listed = await ok(viewer, ["auth", "can-i", "--list", "-n", ns]);
  const line = (out: string, resource: string) => out.split("\n").find((l) => l.split(/\s+/)[0] === resource);
  assert.match(line(listed, "configmaps") ?? "", /\[get list watch\]\s*$/, listed);
  assert.equal(line(listed, "secrets"), undefined, listed);
  assert.equal(line(listed, "pods/exec"), undefined, listed);
  console.log(`# kubectl auth can-i --list as a viewer:\n${listed.replace(/^/gm, "#   ")}`);
  assert.match(line(await ok(k, ["auth", "can-i", "--list", "-n", ns]), "pods/exec") ?? "", /\[create get\]/);

  // whoami: the token's user.
  const who = await ok(viewer, ["auth", "whoami", "-o", "json"]);
  const info = JSON.parse(who).status.userInfo;
  assert.match(info.username, /@/);
  assert.deepEqual(info.extra["gantry.io/role"], ["viewer"]);

  // The reviews are create-only and a bad one names its field.
  assert.equal((await kapi(ep, operatorToken).request("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")).status, 405);
  const bad = await kapi(ep, operatorToken).request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: 3 } } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.details.causes[0].field, "spec.resourceAttributes.verb");
  assert.equal((await kapi(ep, null).request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {})).status, 401);
});

test("bad input is a Status naming the field, and nothing is created", async () => {
  const ns = await namespace();
  const create = (manifest: string, ...flags: string[]) => fails(k, ["create", "-n", ns, ...flags, "-f", "-"], manifest);
  // Unknown kind and wrong apiVersion: discovery has no match, kubectl says which.
  assert.match(await create("apiVersion: v1\nkind: Gadget\nmetadata: {name: x}\n"), /no matches for kind "Gadget" in version "v1"/);
  assert.match(await create("apiVersion: apps/v1\nkind: ConfigMap\nmetadata: {name: x}\n"), /no matches for kind "ConfigMap" in version "apps\/v1"/);
  // Missing name, unknown field (kubectl asks for strict validation), wrong type, invalid key, too much data.
  assert.match(await create("apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n"), /metadata\.name: Required value/);
  assert.match(await create("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndatum: {a: b}\n"), /BadRequest.*strict decoding error: unknown field "datum"/);
  assert.match(await create("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labelz: {a: b}}\n"), /unknown field "metadata\.labelz"/);
  assert.match(await create("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: 1}\n"), /BadRequest.*data\[a\]: Invalid value: number: must be of type string/);
  assert.match(await create("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\ndata: {\"a b\": c}\n"), /metadata\.name: Invalid value: "Bad_Name"[\s\S]*data: Invalid value: "a b"/);
  assert.match(await create(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {a: ${"x".repeat(1_100_000)}}\n`), /data: Too long: must have at most 1048576 bytes/);
  assert.match(await create(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata: {a: ${"x".repeat(3_300_000)}}\n`), /RequestEntityTooLarge/);
  assert.match(await create("apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\ndata: {tls.crt: YQ==}\n"), /data\[tls\.key\]: Required value/);
  // The default (Warn) drops an unknown field with a warning; Ignore drops it silently.
  const warned = await k.run(["create", "-n", ns, "--validate=warn", "-f", "-"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: warned}\nextra: 1\n" });
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /Warning: unknown field "extra"/);
  await ok(k, ["delete", "cm", "warned", "-n", ns]);

  // The same through the API, answered as Status objects with causes naming the fields.
  const raw = kapi(ep, operatorToken);
  const invalid = await raw.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "-x-" }, data: { "a/b": "c" } });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.kind, "Status");
  assert.equal(invalid.body.reason, "Invalid");
  assert.deepEqual(invalid.body.details.causes.map((c: { field: string }) => c.field), ["metadata.name", "data"]);
  const strict = await raw.request("POST", `/api/v1/namespaces/${ns}/configmaps?fieldValidation=Strict`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "s" }, spec: {} });
  assert.equal(strict.status, 400);
  assert.deepEqual(strict.body.details.causes.map((c: { field: string }) => c.field), ["spec"]);
  const wrongKind = await raw.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } });
  assert.equal(wrongKind.status, 400);
  assert.match(wrongKind.body.message, /kind in the data \(Secret\) does not match/);
  const notJson = await raw.request("POST", `/api/v1/namespaces/${ns}/configmaps`, "{not json");
  assert.equal(notJson.status, 400);
  const yaml = await raw.request("POST", `/api/v1/namespaces/${ns}/configmaps`, "kind: ConfigMap", { "content-type": "application/yaml" });
  assert.equal(yaml.status, 415);

  assert.match((await k.run(["get", "cm,secrets", "-n", ns])).stderr, /No resources found/);
  const { rows: stored } = await sql.query(`SELECT name FROM "KubeObject" WHERE namespace = $1`, [ns]);
  assert.deepEqual(stored, []);
});

test("a Secret's values are sealed at rest: neither its rows nor its change log hold them in clear or in base64", async () => {
  const ns = await namespace();
  const value = `plain-${process.pid}-never-stored`;
  // apply: kubectl also copies the manifest (stringData included) into the last-applied annotation.
  const file = join(k.dir, "secret.yaml");
  writeFileSync(file, `apiVersion: v1\nkind: Secret\nmetadata: {name: sealed}\nstringData: {token: ${value}}\n`);
  await ok(k, ["apply", "-n", ns, "-f", file]);
  await ok(k, ["create", "secret", "generic", "typed", "-n", ns, `--from-literal=token=${value}`]);
  assert.equal(Buffer.from(await ok(k, ["get", "secret", "sealed", "-n", ns, "-o", "jsonpath={.data.token}"]), "base64").toString(), value);

  const needles = [value, Buffer.from(value).toString("base64"), Buffer.from(value).toString("base64").slice(0, 16)];
  for (const table of ["KubeObject", "KubeEvent"]) {
    const { rows: found } = await sql.query(`SELECT t.*::text AS row FROM "${table}" t WHERE namespace = $1 AND resource = 'secrets'`, [ns]);
    assert.ok(found.length >= 2, `${table} holds the secrets`);
    for (const { row } of found) for (const n of needles) assert.ok(!row.includes(n), `${table} row holds ${n}:\n${row}`);
  }
  const { rows: sealed } = await sql.query(`SELECT sealed FROM "KubeObject" WHERE namespace = $1 AND resource = 'secrets'`, [ns]);
  for (const { sealed: s } of sealed) assert.match(s, /^v1:[A-Za-z0-9+/=]+$/);
});

test("nodes are the fleet's hosts, registered by the control plane and not deletable; mutations leave activity records", async () => {
  const join = await api(cp, ownerCookie).post("/api/v1/join-tokens", {});
  assert.equal(join.status, 201, JSON.stringify(join.body));
  const facts = {
    hostname: "node-a",
    os: { id: "debian", name: "Debian GNU/Linux", version: "12", prettyName: "Debian GNU/Linux 12 (bookworm)" },
    kernel: "6.1.0",
    arch: "x86_64",
    cpus: 4,
    memoryBytes: 8 * 1024 ** 3,
    disk: { path: "/var/lib/gantry", totalBytes: 100 * 1024 ** 3, freeBytes: 50 * 1024 ** 3 },
    cgroupVersion: "v2",
    engineVersion: "0.1.0",
    agentVersion: "0.1.0",
  };
  const joined = await api(cp).post("/api/v1/agents/join", { token: join.body.token, facts });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));
  const name = joined.body.name as string;

  // The control plane registers a host's Node within its node sync (a second by default).
  await until(async () => (await viewer.run(["get", "node", name])).code === 0, 10_000, "the host's node");
  const table = rows(await ok(viewer, ["get", "nodes"]));
  assert.deepEqual(table[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
  const row = table.find((r) => r[0] === name)!;
  assert.equal(row[1], "NotReady", "a host whose agent is not connected");
  const node = JSON.parse(await ok(viewer, ["get", "node", name, "-o", "json"]));
  assert.equal(node.status.capacity.cpu, "4");
  assert.equal(node.status.capacity.memory, `${8 * 1024 * 1024}Ki`);
  assert.equal(node.metadata.labels["kubernetes.io/arch"], "amd64");
  assert.deepEqual(node.status.addresses, [{ type: "Hostname", address: "node-a" }]);
  assert.match(await fails(k, ["delete", "node", name]), /MethodNotAllowed|not supported/);
  assert.match(await fails(viewer, ["label", "node", name, "team=a"]), /Forbidden|forbidden/);

  const activity = await api(cp, ownerCookie).get("/api/v1/activity?action=k8s.&pageSize=100");
  assert.equal(activity.status, 200);
  const targets = activity.body.items.map((i: { target: string; outcome: string }) => `${i.outcome} ${i.target}`);
  assert.ok(targets.some((t: string) => /^ok k8s\/namespaces\/t\d+-\d+$/.test(t)), targets.join("\n"));
  assert.ok(targets.some((t: string) => /^ok k8s\/namespaces\/t\d+-\d+\/configmaps\/web$/.test(t)), targets.join("\n"));
  assert.ok(targets.some((t: string) => /^Conflict k8s\/namespaces\/t\d+-\d+\/configmaps\/cfg$/.test(t)), targets.join("\n"));
  assert.ok(!targets.some((t: string) => /\/dry$/.test(t)), "dry runs change nothing and are not recorded");
});

test("gantry kubeconfig prints a kubeconfig for the CLI's login that kubectl uses as it is", async () => {
  const ns = await namespace();
  await ok(k, ["create", "cm", "via-gantry", "-n", ns]);
  // The login's URL is the control plane's own https address; the certificate to trust is the one it generated.
  const origin = new URL(ep.server).origin;
  assert.equal(origin, cp.url);
  const caFile = cp.tls!.certPath;
  // NODE_EXTRA_CA_CERTS cleared: a machine may set it for its own CAs, and the CLI would embed those.
  const env = { GANTRY_URL: origin, GANTRY_TOKEN: operatorToken, NODE_EXTRA_CA_CERTS: "" };
  const printed = await gantry(k.dir, ["kubeconfig", "-n", ns, "--certificate-authority", caFile], env);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, new RegExp(`server: "${origin}/k8s"`));
  const withCa = kube(ep, null, printed.stdout);
  assert.deepEqual(rows(await ok(withCa, ["get", "cm"])).slice(1).map((r) => r[0]), ["via-gantry"], "the namespace is the context's");

  // The certificate the CLI itself trusts (NODE_EXTRA_CA_CERTS) is the one kubectl is told to trust.
  const trusted = await gantry(k.dir, ["kubeconfig", "-n", ns], { ...env, NODE_EXTRA_CA_CERTS: caFile });
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.match(await ok(kube(ep, null, trusted.stdout), ["get", "cm"]), /via-gantry/);

  // Without the certificate kubectl refuses the server; --insecure-skip-tls-verify is the explicit way around.
  const noCa = await gantry(k.dir, ["kubeconfig", "-n", ns], env);
  assert.equal(noCa.code, 0, `gantry kubeconfig: ${noCa.stderr}`);
  assert.match(noCa.stdout, new RegExp(`server: "${origin}/k8s"`));
  assert.doesNotMatch(noCa.stdout, /certificate-authority-data/);
  assert.match(await fails(kube(ep, null, noCa.stdout), ["get", "cm"]), /certificate signed by unknown authority|x509/);
  const insecure = await gantry(k.dir, ["kubeconfig", "-n", ns, "--insecure-skip-tls-verify"], env);
  assert.match(await ok(kube(ep, null, insecure.stdout), ["get", "cm"]), /via-gantry/);

  // A plain-http login is printed with a warning: kubectl would not send the token there.
  const http = await gantry(k.dir, ["kubeconfig"], { GANTRY_URL: `http://127.0.0.1:${cp.port}`, GANTRY_TOKEN: operatorToken });
  assert.equal(http.code, 0);
  assert.match(http.stderr, /kubectl sends its token only over https/);
  const notLoggedIn = await gantry(k.dir, ["kubeconfig"]);
  assert.equal(notLoggedIn.code, 3);
  assert.match(notLoggedIn.stderr, /not logged in/);
});
