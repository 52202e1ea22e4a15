// Two control planes on one database, as replicas behind a load balancer would run: a change made through one reaches
// a watch served by the other (Postgres LISTEN/NOTIFY), resourceVersions are one sequence for both, and a Secret
// sealed by one opens on the other when both are given the same GANTRY_K8S_SECRETS_KEY.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, userSession } from "../support/session";
import { kapi, kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "./support";

const key = randomBytes(32).toString("base64");
let first: ControlPlane;
let second: ControlPlane;
const endpoints: KubeEndpoint[] = [];
let k1: Kube;
let k2: Kube;
let token: string;

before(async () => {
  first = await startControlPlane({ env: { GANTRY_K8S_SECRETS_KEY: key } });
  // The second uses the first one's database. (The test helper reads an embedded database's password from the data
  // directory; this one has none of its own, so it is given the first one's.)
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-cp-replica-"));
  mkdirSync(join(dataDir, "postgres"));
  copyFileSync(join(first.dataDir, "postgres/password"), join(dataDir, "postgres/password"));
  second = await startControlPlane({ dataDir, env: { DATABASE_URL: first.databaseUrl, GANTRY_K8S_SECRETS_KEY: key } });
  const owner = await setupOwner(first);
  const cookie = await signIn(first, owner.email, owner.password);
  token = await mintToken(first, (await userSession(first, cookie, "operator")).cookie);
  for (const cp of [first, second]) endpoints.push(await kubeEndpoint(cp));
  k1 = kube(endpoints[0]!, token);
  k2 = kube(endpoints[1]!, token);
});

after(async () => {
  for (const ep of endpoints) await ep.close();
  await second?.destroy();
  await first?.destroy();
});

test("a watch on one replica sees what kubectl did through the other, in one resourceVersion order", async () => {
  const ns = `replicas-${process.pid}`;
  const created = await k2.run(["create", "namespace", ns]);
  assert.equal(created.code, 0, created.stderr);
  const watch = kapi(endpoints[0]!, token).watch(`/api/v1/namespaces/${ns}/configmaps?watch=true`);
  try {
    await until(() => watch.status() === 200, 10_000, "the watch to open");
    for (const [i, kc] of [k2, k1, k2].entries()) {
      const r = await kc.run(["create", "configmap", `cm-${i}`, "-n", ns]);
      assert.equal(r.code, 0, r.stderr);
    }
    await watch.waitFor((e) => e.object.metadata?.name === "cm-2", 10_000, "the third configmap");
  } finally {
    watch.close();
  }
  assert.deepEqual(watch.events.map((e) => [e.type, e.object.metadata.name]), [["ADDED", "cm-0"], ["ADDED", "cm-1"], ["ADDED", "cm-2"]]);
  const versions = watch.events.map((e) => Number(e.object.metadata.resourceVersion));
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
  assert.equal(new Set(versions).size, 3);
});

test("a Secret written through one replica is read through the other", async () => {
  const ns = `replicas-${process.pid}`;
  const made = await k1.run(["create", "secret", "generic", "shared", "-n", ns, "--from-literal=v=across"]);
  assert.equal(made.code, 0, made.stderr);
  const read = await k2.run(["get", "secret", "shared", "-n", ns, "-o", "jsonpath={.data.v}"]);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(Buffer.from(read.stdout, "base64").toString(), "across");
});
