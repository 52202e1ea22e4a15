// The control plane restarts under a running agent: the agent backs off, reconnects by itself with its credential,
// and its host is online again, with no new host and no token.
import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn } from "../support/session";
import { startAgent, mintJoinToken, waitFor, type AgentProcess } from "../support/agent";

test("an agent reconnects by itself after the control plane restarts", async () => {
  let cp: ControlPlane | undefined = await startControlPlane();
  let agent: AgentProcess | undefined;
  const { dataDir, port } = cp;
  try {
    const owner = await setupOwner(cp);
    const cookie = await signIn(cp, owner.email, owner.password);
    agent = startAgent({ serverUrl: cp.url, token: (await mintJoinToken(cp.url, cookie)).token });
    await agent.waitForOutput("connected to");
    const id = Number(/as host (\d+)/.exec(agent.output())![1]);

    await cp.stop();
    await agent.waitForOutput(/reconnecting in \d+\.\d s/);
    assert.equal(agent.process.exitCode, null, "the agent keeps running while the control plane is away");
    const before = agent.output().split("connected to").length;

    cp = await startControlPlane({ dataDir, port });
    await waitFor("the agent connected again", async () => agent!.output().split("connected to").length > before, 60_000);
    const sql = new pg.Client({ connectionString: cp.databaseUrl });
    await sql.connect();
    try {
      await waitFor(`host ${id} online`, async () => (await sql.query(`SELECT status FROM "Host" WHERE id = $1`, [id])).rows[0]?.status === "online");
      const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "Host"`);
      assert.equal(rows[0].n, 1, "the same host, not a new one");
    } finally {
      await sql.end();
    }
    // Refused connections and 503s while the control plane restarts are expected; a fatal error of the agent is not.
    assert.doesNotMatch(agent.output(), /\[gantry-agent\] error:/);
  } finally {
    await agent?.destroy();
    await cp?.destroy();
  }
});
