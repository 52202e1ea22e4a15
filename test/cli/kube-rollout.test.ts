// `gantry rollout` with the control plane's own Deployment controller running (no hosts: pods stay Pending, so the
// rollouts that finish are of zero replicas): status waits for the controller to observe and finish a rollout,
// history lists the revisions of the ReplicaSets the controller made, undo puts the previous template back and the
// controller takes it up as a new revision, and a rollout whose pods cannot run is still waiting when --timeout ends.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, userSession } from "../support/session";
import { mintToken, until } from "../k8s/support";
import { gantry, type CliResult } from "./support";

let cp: ControlPlane;
let home: string;
let token: string;

before(async () => {
  cp = await startControlPlane();
  const owner = await setupOwner(cp);
  token = await mintToken(cp, (await userSession(cp, await signIn(cp, owner.email, owner.password), "operator")).cookie);
  home = mkdtempSync(join(tmpdir(), "gantry-cli-rollout-"));
});

after(async () => {
  await cp?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

const g = (args: string[]): Promise<CliResult> => gantry(home, args, { GANTRY_URL: cp.url, GANTRY_TOKEN: token });

async function ok(args: string[]): Promise<string> {
  const r = await g(args);
  assert.equal(r.code, 0, `gantry ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function deployment(ns: string, name: string): Promise<any> {
  const res = await fetch(`${cp.url}/k8s/apis/apps/v1/namespaces/${ns}/deployments/${name}`, { headers: { authorization: `Bearer ${token}` } });
  return res.json();
}

/** The revisions of the namespace's ReplicaSets, as the controller numbered them. */
async function revisions(ns: string): Promise<string[]> {
  const res = await fetch(`${cp.url}/k8s/apis/apps/v1/namespaces/${ns}/replicasets`, { headers: { authorization: `Bearer ${token}` } });
  const list = (await res.json()) as { items: Array<{ metadata: { annotations?: Record<string, string> } }> };
  return list.items.map((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? "").sort();
}

function manifest(ns: string, name: string, replicas: number, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: web, image: "${image}"}]
`;
}

test("rollout status, history and undo follow the Deployment controller's ReplicaSets and status", async () => {
  const ns = `rollout-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "gantry-rollout-"));
  const path = join(dir, "web.yaml");
  writeFileSync(path, `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n---\n${manifest(ns, "web", 0, "nginx:1.24")}`);
  await ok(["apply", "-f", path]);
  assert.match(await ok(["rollout", "status", "deployment/web", "-n", ns, "--timeout=30s"]), /deployment "web" successfully rolled out\n$/);

  writeFileSync(path, `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n---\n${manifest(ns, "web", 0, "nginx:1.25")}`);
  assert.deepEqual((await ok(["apply", "-f", path])).trimEnd().split("\n"), [`namespace/${ns} unchanged`, "deployment.apps/web configured"]);
  assert.match(await ok(["rollout", "status", "deployment/web", "-n", ns, "--timeout=30s"]), /deployment "web" successfully rolled out\n$/);
  await until(async () => (await revisions(ns)).join() === "1,2", 15_000, "the controller's second revision");
  const [history, first] = await Promise.all([ok(["rollout", "history", "deployment/web", "-n", ns]), ok(["rollout", "history", "deployment/web", "-n", ns, "--revision=1"])]);
  assert.equal(history, "deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n");
  assert.match(first, /\n {4}Image:\tnginx:1\.24\n/);

  // undo: revision 1's template goes back into the Deployment; the controller reuses its ReplicaSet as revision 3.
  assert.equal(await ok(["rollout", "undo", "deployment/web", "-n", ns]), "deployment.apps/web rolled back\n");
  const d = await deployment(ns, "web");
  assert.equal(d.spec.template.spec.containers[0].image, "nginx:1.24");
  assert.equal(d.spec.template.metadata.labels["pod-template-hash"], undefined);
  assert.match(await ok(["rollout", "status", "deployment/web", "-n", ns, "--timeout=30s"]), /successfully rolled out\n$/);
  await until(async () => (await revisions(ns)).join() === "2,3", 15_000, "revision 3");
  const [after, third] = await Promise.all([ok(["rollout", "history", "deployment/web", "-n", ns]), ok(["rollout", "history", "deployment/web", "-n", ns, "--revision=3"])]);
  assert.equal(after, "deployment.apps/web\nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n");
  assert.match(third, /\n {4}Image:\tnginx:1\.24\n/);

  // Pods that cannot run (no host to place them on): the rollout waits for them, and --timeout ends the wait.
  writeFileSync(path, manifest(ns, "busy", 2, "nginx:1.25"));
  await ok(["apply", "-f", path]);
  await until(async () => (await deployment(ns, "busy")).status?.updatedReplicas === 2, 15_000, "the controller to make the pods");
  const waiting = await g(["rollout", "status", "deployment/busy", "-n", ns, "--timeout=3s"]);
  assert.equal(waiting.code, 1);
  assert.match(waiting.stdout, /Waiting for deployment "busy" rollout to finish: 0 of 2 updated replicas are available\.\.\.\n$/);
  assert.equal(waiting.stderr, "error: timed out waiting for the condition\n");
  rmSync(dir, { recursive: true, force: true });
});
