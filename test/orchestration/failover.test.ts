// Two control planes on one database, as replicas behind a load balancer: exactly one runs the scheduler and the
// controllers (the holder of the advisory lock); when it is killed with SIGKILL, the other takes over within seconds
// and the controllers go on — a ReplicaSet created through either replica gets its pods, before and after.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, userSession } from "../support/session";
import { kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "../k8s/support";

const LEADS = "this replica leads: starting the scheduler and controllers";
let first: ControlPlane;
let second: ControlPlane;
const endpoints: KubeEndpoint[] = [];
const kubes: Kube[] = [];

before(async () => {
  first = await startControlPlane();
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-cp-replica-"));
  mkdirSync(join(dataDir, "postgres"));
  copyFileSync(join(first.dataDir, "postgres/password"), join(dataDir, "postgres/password"));
  second = await startControlPlane({ dataDir, env: { DATABASE_URL: first.databaseUrl } });
  const owner = await setupOwner(first);
  const cookie = await signIn(first, owner.email, owner.password);
  const token = await mintToken(first, (await userSession(first, cookie, "operator")).cookie);
  for (const cp of [first, second]) {
    const ep = await kubeEndpoint(cp);
    endpoints.push(ep);
    kubes.push(kube(ep, token));
  }
});

after(async () => {
  for (const ep of endpoints) await ep.close();
  await second?.destroy();
  // The first one's embedded PostgreSQL outlives a SIGKILL of its server: stop it (fast shutdown) before its directory goes.
  const pidFile = first && join(first.dataDir, "postgres/data/postmaster.pid");
  await first?.stop();
  if (pidFile && existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    try {
      process.kill(pid, "SIGINT");
      await until(() => !existsSync(pidFile), 10_000, "postgres to stop");
    } catch {
      /* already gone */
    }
  }
  await first?.destroy();
});

const leads = (cp: ControlPlane) => cp.output().includes(LEADS);

async function replicaSetGetsPods(k: Kube, ns: string, name: string): Promise<void> {
  const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name }, spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } } } };
  const r = await k.run(["apply", "-n", ns, "-f", "-"], { stdin: JSON.stringify(rs) });
  assert.equal(r.code, 0, r.stderr);
  await until(async () => {
    const out = await k.run(["get", "pods", "-n", ns, "-l", `app=${name}`, "-o", "name"]);
    return out.stdout.trim().split("\n").filter(Boolean).length === 2;
  }, 20_000, `the ReplicaSet ${name}'s 2 pods`);
  // No node: the scheduler says so, which shows it runs too.
  await until(async () => (await k.run(["get", "events", "-n", ns, "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}"])).stdout.includes("no nodes available to schedule pods"), 20_000, "FailedScheduling");
}

test("one replica leads; when it is killed, the other takes over and the controllers go on", async (t) => {
  await until(() => leads(first) || leads(second), 20_000, "a leader");
  const [leader, follower] = leads(first) ? [first, second] : [second, first];
  const followerKube = kubes[leader === first ? 1 : 0]!;

  const ns = `failover-${process.pid}`;
  assert.equal((await followerKube.run(["create", "namespace", ns])).code, 0);
  await replicaSetGetsPods(followerKube, ns, "before");
  assert.ok(!leads(follower), "exactly one replica leads (the other has been trying every 2 s meanwhile)");

  await leader.kill();
  const killedAt = Date.now();
  await until(() => leads(follower), 15_000, "the other replica to take over");
  const took = Date.now() - killedAt;
  t.diagnostic(`the other replica took over ${took} ms after the SIGKILL`);
  await replicaSetGetsPods(followerKube, ns, "after");
  assert.ok(took < 10_000, `took over in ${took} ms`);
});
