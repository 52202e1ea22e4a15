// /api/v1/stacks against a real control plane (its Kubernetes store, no hosts: pods stay Pending): a compose file
// previewed (a dry run per object), deployed, redeployed in place (changed objects updated, unchanged ones left alone,
// those the file dropped deleted, a published port's node port kept), removed; refusals name the field; a bind mount is
// an operator's 403; a viewer reads but cannot deploy; an object of the same name outside the stack is never taken over;
// a changed env file rolls the Deployments that read it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn, userSession } from "../support/session";
import { REPO_ROOT } from "../support/bundle";

let cp: ControlPlane;
const cookies: Record<string, string> = {};
const wordpress = readFileSync(join(REPO_ROOT, "test/fixtures/compose/wordpress-mysql.yml"), "utf8");

before(async () => {
  cp = await startControlPlane();
  const owner = await setupOwner(cp);
  cookies.owner = await signIn(cp, owner.email, owner.password);
  for (const role of ["admin", "operator", "viewer"] as const) cookies[role] = (await userSession(cp, cookies.owner, role)).cookie;
});

after(async () => {
  await cp?.destroy();
});

const as = (role: string) => api(cp, cookies[role]);
type Plan = { kind: string; name: string; action: string; error?: { message: string; causes: Array<{ field?: string }> } };
const actions = (objects: Plan[]) => objects.map((o) => `${o.action} ${o.kind}/${o.name}`);

test("preview, deploy, redeploy in place and remove a stack; every object labelled; the activity record says what each did", async () => {
  const body = { name: "blog", namespace: "default", compose: wordpress };
  const preview = await as("operator").post("/api/v1/stacks/preview", body);
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.deepEqual(actions(preview.body.objects), [
    "create ConfigMap/gantry-stack-blog",
    "create Service/db",
    "create Service/wordpress",
    "create Service/wordpress-published",
    "create Deployment/db",
    "create Deployment/wordpress",
  ]);
  assert.deepEqual(preview.body.unsupported, []);
  assert.ok(preview.body.notes.some((n: { path: string }) => n.path === "services.wordpress.depends_on"));
  // A preview writes nothing.
  assert.deepEqual((await as("viewer").get("/api/v1/stacks")).body.items, []);

  const deployed = await as("operator").post("/api/v1/stacks", body);
  assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
  assert.equal(deployed.body.stack.compose, wordpress);
  assert.equal(deployed.body.stack.status, "progressing", "no host runs its pods");
  const published = deployed.body.stack.services.find((s: { name: string }) => s.name === "wordpress").ports;
  assert.equal(published.length, 1);
  assert.equal(published[0].port, 8000);
  const nodePort = published[0].nodePort as number;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port ${nodePort}`);

  // Through the Kubernetes API: labelled as one stack.
  const k8s = await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments?labelSelector=gantry.dev%2Fstack%3Dblog");
  assert.deepEqual(k8s.body.items.map((d: { metadata: { name: string } }) => d.metadata.name).sort(), ["db", "wordpress"]);

  const list = await as("viewer").get("/api/v1/stacks");
  assert.deepEqual(list.body.items.map((s: { namespace: string; name: string; objects: number }) => `${s.namespace}/${s.name}:${s.objects}`), ["default/blog:6"]);

  // The same file again: nothing to do.
  const same = await as("operator").post("/api/v1/stacks/preview", body);
  assert.deepEqual(new Set(same.body.objects.map((o: Plan) => o.action)), new Set(["unchanged"]));

  // A changed file: wordpress's env and replicas change, db goes, its Services and Deployment are deleted.
  const changed = wordpress
    .replace(/  db:\n[\s\S]*?\n\n/, "")
    .replace("    depends_on:\n      - db\n", "")
    .replace("WORDPRESS_DB_HOST: db:3306", "WORDPRESS_DB_HOST: mysql.example:3306\n    deploy:\n      replicas: 2")
    .replace("  db_data: {}\n", "");
  const plan = await as("operator").post("/api/v1/stacks/preview", { ...body, compose: changed });
  assert.equal(plan.status, 200, JSON.stringify(plan.body));
  assert.deepEqual(actions(plan.body.objects), [
    "update ConfigMap/gantry-stack-blog",
    "unchanged Service/wordpress",
    "unchanged Service/wordpress-published",
    "update Deployment/wordpress",
    "delete Service/db",
    "delete Deployment/db",
  ]);
  const uidBefore = (await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments/wordpress")).body.metadata.uid;
  const redeployed = await as("operator").post("/api/v1/stacks", { ...body, compose: changed });
  assert.equal(redeployed.status, 200, JSON.stringify(redeployed.body));
  const wp = (await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments/wordpress")).body;
  assert.equal(wp.metadata.uid, uidBefore, "updated in place, not recreated");
  assert.equal(wp.spec.replicas, 2);
  assert.ok(wp.spec.template.spec.containers[0].env.some((e: { name: string; value: string }) => e.name === "WORDPRESS_DB_HOST" && e.value === "mysql.example:3306"));
  assert.equal((await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments/db")).status, 404);
  assert.equal((await as("viewer").get("/k8s/api/v1/namespaces/default/services/db")).status, 404);
  assert.equal(redeployed.body.stack.services.find((s: { name: string }) => s.name === "wordpress").ports[0].nodePort, nodePort, "the published port keeps its node port");
  assert.equal(redeployed.body.stack.compose, changed);

  // Both deploys in the activity record, written before they acted and completed with what they did.
  const rows = (await as("owner").get("/api/v1/activity?action=k8s.write&pageSize=50")).body.items as Array<{ target: string; outcome: string; details: { summary?: { verb: string; extra?: string } } }>;
  const deploys = rows.filter((r) => r.target === "stacks" && r.details.summary?.verb === "deploy");
  assert.deepEqual(deploys.map((r) => [r.outcome, r.details.summary!.extra]).reverse(), [
    ["ok", "in namespace default: 6 created, 0 updated, 0 unchanged, 0 deleted"],
    ["ok", "in namespace default: 0 created, 2 updated, 2 unchanged, 2 deleted"],
  ]);

  const removed = await as("operator").delete("/api/v1/stacks/default/blog");
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal((await as("viewer").get("/api/v1/stacks/default/blog")).status, 404);
  for (const path of ["/k8s/api/v1/namespaces/default/configmaps", "/k8s/api/v1/namespaces/default/services", "/k8s/apis/apps/v1/namespaces/default/deployments"]) {
    assert.deepEqual((await as("viewer").get(`${path}?labelSelector=gantry.dev%2Fstack`)).body.items, [], path);
  }
  assert.equal((await as("operator").delete("/api/v1/stacks/default/blog")).status, 404);
});

test("refusals: a bad file names the field (422), unsupported keys are listed, a bind mount is an operator's 403 and an admin's hostPath, a viewer may not deploy", async () => {
  const bad = await as("operator").post("/api/v1/stacks/preview", {
    name: "bad",
    namespace: "default",
    compose: "services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n      - \"http:80\"\n",
  });
  assert.equal(bad.status, 422, JSON.stringify(bad.body));
  assert.match(bad.body.error.message, /^services\.web\.ports\[1\]: "http:80": the published port must be a port/);
  assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path), ["services.web.ports[1]"]);

  const badName = await as("operator").post("/api/v1/stacks/preview", { name: "Bad_Name", namespace: "default", compose: "services: {}" });
  assert.equal(badName.status, 422);
  assert.equal(badName.body.error.details[0].path, "name");

  const odd = await as("operator").post("/api/v1/stacks/preview", {
    name: "odd",
    namespace: "default",
    compose: "services:\n  web:\n    image: nginx\n    container_name: web1\n    cap_add: [NET_ADMIN]\n    privileged: true\nsecrets:\n  token:\n    file: ./token\n",
  });
  assert.equal(odd.status, 200, JSON.stringify(odd.body));
  assert.deepEqual(odd.body.unsupported.map((u: { path: string }) => u.path), ["secrets", "services.web.container_name", "services.web.cap_add", "services.web.privileged"]);

  const bind = { name: "binds", namespace: "default", compose: "services:\n  web:\n    image: nginx\n    volumes:\n      - /srv/site:/usr/share/nginx/html:ro\n" };
  for (const path of ["/api/v1/stacks/preview", "/api/v1/stacks"]) {
    const refused = await as("operator").post(path, bind);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /^services\.web\.volumes\[0\]: binding the host path \/srv\/site needs containers\.host-access/);
    assert.deepEqual(refused.body.error.details.map((d: { path: string }) => d.path), ["services.web.volumes[0]"]);
  }
  assert.equal((await as("viewer").get("/api/v1/stacks/default/binds")).status, 404, "nothing was made");
  const admin = await as("admin").post("/api/v1/stacks/preview", bind);
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
  const dep = admin.body.objects.find((o: Plan) => o.kind === "Deployment") as { object: { spec: { template: { spec: { volumes: unknown[] } } } } };
  assert.deepEqual(dep.object.spec.template.spec.volumes, [{ name: "host-0", hostPath: { path: "/srv/site" } }]);

  const viewer = await as("viewer").post("/api/v1/stacks", { name: "v", namespace: "default", compose: "services:\n  web:\n    image: nginx\n" });
  assert.equal(viewer.status, 403);
  assert.equal((await as("viewer").delete("/api/v1/stacks/default/v")).status, 403);
});

test("a stack never takes over an object it did not make; a dry-run refusal is named per object and nothing is written", async () => {
  const svc = await as("operator").post("/k8s/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "cache" }, spec: { ports: [{ port: 6379 }] } });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  const taken = await as("operator").post("/api/v1/stacks", { name: "shop", namespace: "default", compose: "services:\n  cache:\n    image: redis:alpine\n" });
  assert.equal(taken.status, 409, JSON.stringify(taken.body));
  assert.match(taken.body.error.message, /Service default\/cache already exists and is not part of a stack/);

  // Two stacks asking for the same node port: the second's dry run names the field, and nothing of it is written.
  const first = await as("operator").post("/api/v1/stacks", { name: "one", namespace: "default", compose: "services:\n  web:\n    image: nginx\n    ports: [\"30555:80\"]\n" });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const second = await as("operator").post("/api/v1/stacks", { name: "two", namespace: "default", compose: "services:\n  site:\n    image: nginx\n    ports: [\"30555:80\"]\n" });
  assert.equal(second.status, 422, JSON.stringify(second.body));
  assert.match(second.body.error.message, /^Service site-published: spec\.ports\[0\]\.nodePort: /);
  assert.equal((await as("viewer").get("/api/v1/stacks/default/two")).status, 404);
  const missingNs = await as("operator").post("/api/v1/stacks/preview", { name: "lost", namespace: "nowhere", compose: "services:\n  web:\n    image: nginx\n" });
  assert.equal(missingNs.status, 200);
  assert.match(missingNs.body.objects[0].error.message, /namespaces "nowhere" not found/);
});

test("a changed env file's content updates its ConfigMap and rolls the Deployments that read it", async () => {
  const body = (content: string) => ({ name: "envs", namespace: "default", compose: "services:\n  app:\n    image: busybox\n    env_file: app.env\n  other:\n    image: busybox\n", envFiles: { "app.env": content } });
  const first = await as("operator").post("/api/v1/stacks", body("MODE=one\n"));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const cm = await as("viewer").get("/k8s/api/v1/namespaces/default/configmaps/envs-env-app-env");
  assert.deepEqual(cm.body.data, { MODE: "one" });
  const plan = await as("operator").post("/api/v1/stacks/preview", body("MODE=two\n"));
  assert.deepEqual(actions(plan.body.objects), [
    "update ConfigMap/gantry-stack-envs",
    "update ConfigMap/envs-env-app-env",
    "unchanged Service/app",
    "unchanged Service/other",
    "update Deployment/app",
    "unchanged Deployment/other",
  ]);
  const before = (await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments/app")).body;
  assert.equal((await as("operator").post("/api/v1/stacks", body("MODE=two\n"))).status, 200);
  const after = (await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments/app")).body;
  assert.equal(after.metadata.uid, before.metadata.uid);
  const hash = (d: { spec: { template: { metadata: { annotations: Record<string, string> } } } }) => d.spec.template.metadata.annotations["gantry.dev/env-files-hash"];
  assert.notEqual(hash(after), hash(before), "a new pod template: its pods are replaced");
  // The Deployment controller rolls out a second revision (a new ReplicaSet for the new template).
  for (let i = 0; i < 100 && (await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments/app")).body.metadata.annotations?.["deployment.kubernetes.io/revision"] !== "2"; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await as("viewer").get("/k8s/apis/apps/v1/namespaces/default/deployments/app")).body.metadata.annotations["deployment.kubernetes.io/revision"], "2");
  assert.deepEqual((await as("viewer").get("/k8s/api/v1/namespaces/default/configmaps/envs-env-app-env")).body.data, { MODE: "two" });
  assert.equal((await as("operator").delete("/api/v1/stacks/default/envs")).status, 200);
});
