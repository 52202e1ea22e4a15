// Two "machines": agents in two network namespaces, each behind a veth pair on a bridge this test creates, join one
// control plane listening on the bridge's address. Everything is removed afterwards, also on failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import pg from "pg";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, api } from "../support/session";
import { startAgent, mintJoinToken, waitFor, type AgentProcess } from "../support/agent";
import { createTestNetwork, type TestNetwork } from "../support/netns";

test("two agents in separate network namespaces join one control plane over a test bridge", async () => {
  let net: TestNetwork | undefined;
  let cp: ControlPlane | undefined;
  const agents: AgentProcess[] = [];
  let sql: pg.Client | undefined;
  try {
    net = createTestNetwork(`10.213.${randomInt(1, 250)}`, 2);
    const port = await freePort();
    const publicUrl = `http://${net.gateway}:${port}`;
    // 0.0.0.0 so the test harness can also reach it on loopback; the agents only know the bridge address.
    cp = await startControlPlane({
      port,
      env: { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl, GANTRY_HEARTBEAT_STALE_MS: "2500", GANTRY_HEARTBEAT_OFFLINE_MS: "5000" },
    });
    const owner = await setupOwner(cp);
    const cookie = await signIn(cp, owner.email, owner.password);
    sql = new pg.Client({ connectionString: cp.databaseUrl });
    await sql.connect();

    const ids: number[] = [];
    for (const host of net.hosts) {
      const { token, command } = await mintJoinToken(cp.url, cookie);
      assert.ok(command.includes(`--server ${publicUrl}`) && command.includes(token), `the join command names the bridge URL: ${command}`);
      const a = startAgent({ serverUrl: publicUrl, token, netns: host.netns });
      agents.push(a);
      await a.waitForOutput("connected to");
      ids.push(Number(/as host (\d+)/.exec(a.output())![1]));
    }
    assert.notEqual(ids[0], ids[1]);

    for (const [i, id] of ids.entries()) {
      await waitFor(`host ${id} online`, async () => {
        const { rows } = await sql!.query(`SELECT status FROM "Host" WHERE id = $1`, [id]);
        return rows[0]?.status === "online";
      });
      assert.match(cp.output(), new RegExp(`host ${id} connected from (::ffff:)?${net.hosts[i].address.replace(/\./g, "\\.")}\\b`));
    }
    // The API lists both as online (waited for: with a 2.5 s stale threshold a heartbeat late under load may make one
    // read stale for a moment, which is not what this checks).
    let listed: number[] = [];
    await waitFor("both hosts listed online", async () => {
      const list = await api(cp!, cookie).get(`/api/v1/hosts?status=online`);
      listed = list.body.items.map((h: { id: number }) => h.id).filter((id: number) => ids.includes(id));
      return listed.length === ids.length;
    }).catch(() => assert.deepEqual(listed, ids));

    // One machine goes away: only its host goes offline.
    await agents[0].kill();
    await waitFor(`host ${ids[0]} offline`, async () => {
      const { rows } = await sql!.query(`SELECT status FROM "Host" WHERE id = $1`, [ids[0]]);
      return rows[0].status === "offline";
    });
    const { rows } = await sql.query(`SELECT status FROM "Host" WHERE id = $1`, [ids[1]]);
    assert.equal(rows[0].status, "online");
  } finally {
    await Promise.all(agents.map((a) => a.destroy()));
    await sql?.end().catch(() => {});
    await cp?.destroy();
    net?.destroy();
  }
});
