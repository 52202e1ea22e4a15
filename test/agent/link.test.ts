// The agent ↔ control plane link over real sockets: join with single-use expiring tokens, credential kept as a hash,
// handshake checks, message validation, heartbeat grace (online → stale → offline → online) and revocation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, api } from "../support/session";
import { startAgent, mintJoinToken, waitFor, type AgentProcess } from "../support/agent";
import { PROTOCOL_VERSION, type HostFacts } from "@/lib/protocol";
import { AgentLink, LinkRefused } from "@/agent/link";
import { systemClock } from "@/agent/clock";
import { FAKE_FACTS } from "../support/fake-agent";

let cp: ControlPlane;
let cookie: string;
let sql: pg.Client;
const agents: AgentProcess[] = [];
const sockets: Socket[] = [];

before(async () => {
  cp = await startControlPlane({ env: { GANTRY_HEARTBEAT_STALE_MS: "2500", GANTRY_HEARTBEAT_OFFLINE_MS: "5000" } });
  const owner = await setupOwner(cp);
  cookie = await signIn(cp, owner.email, owner.password);
  sql = new pg.Client({ connectionString: cp.databaseUrl });
  await sql.connect();
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(agents.map((a) => a.destroy()));
  await sql?.end();
  await cp?.destroy();
});

function agent(opts: Parameters<typeof startAgent>[0] = {}) {
  const a = startAgent({ serverUrl: cp.url, ...opts });
  agents.push(a);
  return a;
}

async function hostRow(id: number) {
  const { rows } = await sql.query(`SELECT * FROM "Host" WHERE id = $1`, [id]);
  return rows[0];
}

function joinedHostId(a: AgentProcess): number {
  const m = /joined \S+ as host (\d+)/.exec(a.output());
  assert.ok(m, `agent did not report its host id:\n${a.output()}`);
  return Number(m[1]);
}

/** A socket on /agent as a host would open it (or with the handshake given). */
function agentSocket(auth: Record<string, unknown>): Socket {
  const s = connect(`${cp.url}/agent`, { path: "/socket.io", auth, transports: ["websocket"], reconnection: false });
  sockets.push(s);
  return s;
}

function connectResult(s: Socket): Promise<{ connected: true } | { connected: false; message: string; data: any }> {
  return new Promise((resolve) => {
    s.once("connect", () => resolve({ connected: true }));
    s.once("connect_error", (e: Error & { data?: unknown }) => resolve({ connected: false, message: e.message, data: e.data }));
  });
}

async function joinedAgent() {
  const { token } = await mintJoinToken(cp.url, cookie);
  const a = agent({ token });
  await a.waitForOutput("connected to");
  const id = joinedHostId(a);
  await waitFor(`host ${id} online`, async () => (await hostRow(id))?.status === "online");
  return { agent: a, id, token };
}

test("an agent joins with a token: the host is online with its facts; the credential is 0600 on disk and a hash in the database", async () => {
  const { agent: a, id } = await joinedAgent();
  const row = await hostRow(id);
  const facts = row.facts as HostFacts;
  assert.equal(row.status, "online");
  assert.ok(row.lastSeenAt && row.connectedAt && row.statusChangedAt);
  assert.equal(facts.hostname, (await import("node:os")).hostname());
  assert.equal(facts.kernel, (await import("node:os")).release());
  assert.ok(facts.cpus >= 1 && facts.memoryBytes > 0 && facts.disk.totalBytes > 0);
  assert.equal(facts.disk.path, a.root);
  assert.match(facts.cgroupVersion, /^(v1|hybrid|v2)$/);
  assert.ok(facts.os.id, "os-release was read");
  assert.equal(facts.agentVersion, JSON.parse(readFileSync("package.json", "utf8")).version);
  assert.equal(row.agentVersion, facts.agentVersion);

  const file = join(a.root, "agent/credential");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const credential = readFileSync(file, "utf8").trim();
  assert.match(credential, /^gch_/);
  assert.equal(row.credentialHash, createHash("sha256").update(credential).digest("hex"));
  const leaked = await sql.query(`SELECT count(*)::int AS n FROM "Host" WHERE row_to_json("Host".*)::text LIKE $1`, [`%${credential}%`]);
  assert.equal(leaked.rows[0].n, 0, "the credential itself is nowhere in the hosts table");

  const detail = await api(cp, cookie).get(`/api/v1/hosts/${id}`);
  assert.equal(detail.status, 200);
  assert.equal(detail.body.status, "online");
  assert.equal(detail.body.connected, true);
  assert.equal(detail.body.facts.hostname, facts.hostname);
  assert.equal(detail.body.credentialHash, undefined, "the API never shows the hash");
});

test("a used, an expired or a forged join token is refused with the reason on both sides", async () => {
  const { token } = await mintJoinToken(cp.url, cookie);
  const first = agent({ token });
  await first.waitForOutput("connected to");
  const firstId = joinedHostId(first);

  const reused = agent({ token });
  assert.equal(await reused.exited, 2);
  assert.match(reused.output(), new RegExp(`join refused .*already used \\(by host ${firstId}\\)`));

  const expiring = await api(cp, cookie).post("/api/v1/join-tokens", { ttlMinutes: 1 });
  await sql.query(`UPDATE "JoinToken" SET "expiresAt" = now() - interval '1 second' WHERE "tokenHash" = $1`, [
    createHash("sha256").update(expiring.body.token).digest("hex"),
  ]);
  const late = agent({ token: expiring.body.token });
  assert.equal(await late.exited, 2);
  assert.match(late.output(), /join refused .*join token expired at/);

  const forged = agent({ token: "gjt_" + "A".repeat(43) });
  assert.equal(await forged.exited, 2);
  assert.match(forged.output(), /join refused .*not issued by this control plane/);

  // The HTTP answers the agent saw: 409 used, 410 expired, 401 forged, 422 malformed — never a 500.
  const facts = (await hostRow(firstId)).facts;
  const post = (body: unknown) => api(cp).post("/api/v1/agents/join", body);
  const used = await post({ token, facts });
  assert.equal(used.status, 409);
  assert.match(used.body.error.message, /already used/);
  assert.equal((await post({ token: expiring.body.token, facts })).status, 410);
  assert.equal((await post({ token: "gjt_" + "B".repeat(43), facts })).status, 401);
  const malformed = await post({ token: "nope", facts: { hostname: 3 } });
  assert.equal(malformed.status, 422);
  assert.match(malformed.body.error.message, /token/);
  assert.equal((await post("{not json")).status, 400);
  assert.equal((await post({ token: "x".repeat(70_000) })).status, 413);

  // Eight agents racing with one fresh token: exactly one host is made.
  const raced = await mintJoinToken(cp.url, cookie);
  const answers = await Promise.all(Array.from({ length: 8 }, () => post({ token: raced.token, facts })));
  assert.deepEqual(answers.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);

  const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "JoinToken" WHERE "tokenHash" = $1 AND "hostId" = $2`, [
    createHash("sha256").update(token).digest("hex"),
    firstId,
  ]);
  assert.equal(rows[0].n, 1, "the used token names the host it made");
});

test("a join asked again with its token and the credential the agent chose gets the same host (its answer was lost); anyone else is refused", async () => {
  const { token } = await mintJoinToken(cp.url, cookie);
  const post = (body: unknown) => api(cp).post("/api/v1/agents/join", body);
  const credential = "gch_" + randomBytes(32).toString("base64url");
  const first = await post({ token, facts: FAKE_FACTS, credential });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.credential, credential);
  const again = await post({ token, facts: FAKE_FACTS, credential });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.deepEqual(again.body, first.body, "the same host, the same answer");
  const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "Host" WHERE "credentialHash" = $1`, [createHash("sha256").update(credential).digest("hex")]);
  assert.equal(rows[0].n, 1, "one host");
  // Someone else with the used token: another credential, or none.
  assert.equal((await post({ token, facts: FAKE_FACTS, credential: "gch_" + randomBytes(32).toString("base64url") })).status, 409);
  assert.equal((await post({ token, facts: FAKE_FACTS })).status, 409);
  // The credential works: the agent connects with it.
  const s = agentSocket({ protocolVersion: PROTOCOL_VERSION, credential });
  assert.deepEqual(await connectResult(s), { connected: true });
  s.disconnect();
  // Once the host is revoked, asking again gets nothing back.
  assert.equal((await api(cp, cookie).post(`/api/v1/hosts/${first.body.hostId}/revoke`)).status, 200);
  assert.equal((await post({ token, facts: FAKE_FACTS, credential })).status, 409);
});

test("the handshake refuses another protocol version, a bad handshake and an unknown credential, each with a reason", async () => {
  const { agent: a } = await joinedAgent();
  const credential = readFileSync(join(a.root, "agent/credential"), "utf8").trim();

  const old = await connectResult(agentSocket({ protocolVersion: PROTOCOL_VERSION + 1, credential }));
  assert.equal(old.connected, false);
  assert.equal((old as any).data.code, "protocol_version");
  assert.match((old as any).message, new RegExp(`protocol version ${PROTOCOL_VERSION + 1} is not supported.*speaks version ${PROTOCOL_VERSION}`));

  const bad = await connectResult(agentSocket({ protocolVersion: PROTOCOL_VERSION, credential: 42 }));
  assert.equal((bad as any).data.code, "bad_handshake");
  assert.match((bad as any).message, /invalid handshake: credential/);

  const unknown = await connectResult(agentSocket({ protocolVersion: PROTOCOL_VERSION, credential: "gch_" + "C".repeat(43) }));
  assert.equal((unknown as any).data.code, "unauthorized");
  assert.match((unknown as any).message, /credential is not valid/);

  // The agent's own link, speaking another version, stops with the server's reason instead of retrying.
  const link = new AgentLink({
    serverUrl: cp.url,
    credential,
    facts: async () => (await hostRow(joinedHostId(a))).facts,
    heartbeatIntervalMs: 1000,
    clock: systemClock,
    random: Math.random,
    log: () => {},
    protocolVersion: PROTOCOL_VERSION + 7,
  });
  await assert.rejects(link.run(), (e: Error) => e instanceof LinkRefused && /refused this agent: protocol version \d+ is not supported/.test(e.message));
});

test("malformed agent messages are rejected with a reason, and the connection stays usable", async () => {
  const { agent: a, id } = await joinedAgent();
  const credential = readFileSync(join(a.root, "agent/credential"), "utf8").trim();
  await a.stop();
  const s = agentSocket({ protocolVersion: PROTOCOL_VERSION, credential });
  assert.deepEqual(await connectResult(s), { connected: true });

  const bad = await s.timeout(5000).emitWithAck("heartbeat", { seq: "one", sentAt: "yesterday" });
  assert.equal(bad.ok, false);
  assert.match(bad.error, /^invalid heartbeat: seq: .*number/);
  const extra = await s.timeout(5000).emitWithAck("heartbeat", { seq: 1, sentAt: new Date().toISOString(), evil: true });
  assert.match(extra.error, /invalid heartbeat: .*evil/);
  const unknown = await s.timeout(5000).emitWithAck("rm -rf", {});
  assert.match(unknown.error, /unknown message "rm -rf"/);
  const badHello = await s.timeout(5000).emitWithAck("hello", { facts: { hostname: "" } });
  assert.match(badHello.error, /^invalid hello: facts\./);
  const twoArgs = await s.timeout(5000).emitWithAck("heartbeat", 1, 2);
  assert.match(twoArgs.error, /takes exactly one payload/);

  // Without an acknowledgement callback the reason comes back as a protocol_error event.
  const pushed = new Promise<any>((r) => s.once("protocol_error", r));
  s.emit("heartbeat", "garbage");
  const err = await pushed;
  assert.equal(err.event, "heartbeat");
  assert.match(err.reason, /invalid heartbeat/);

  const good = await s.timeout(5000).emitWithAck("heartbeat", { seq: 2, sentAt: new Date().toISOString() });
  // The reply says over how long to spread a reconnection: a fleet this small, the shortest window.
  assert.deepEqual(good, { ok: true, reconnectWindowMs: 1000 });
  assert.equal((await hostRow(id)).status, "online");

  // Changed facts (here: a machine that got more CPUs) replace the stored ones.
  const facts = (await hostRow(id)).facts as HostFacts;
  assert.deepEqual(await s.timeout(5000).emitWithAck("facts", { facts: { ...facts, cpus: facts.cpus + 62 } }), { ok: true });
  assert.equal(((await hostRow(id)).facts as HostFacts).cpus, facts.cpus + 62);
  const badFacts = await s.timeout(5000).emitWithAck("facts", { facts: { ...facts, memoryBytes: -1 } });
  assert.match(badFacts.error, /^invalid facts: facts\.memoryBytes/);
  s.disconnect();
});

test("heartbeat grace: a silent agent's host turns stale, then offline, and online when heard again; a stopped agent's is offline at once", async () => {
  const { agent: a, id } = await joinedAgent();
  // Frozen, its connection open but no heartbeat: only the grace tells.
  process.kill(a.process.pid!, "SIGSTOP");
  let stale, offline;
  try {
    stale = await waitFor("stale", async () => {
      const r = await hostRow(id);
      return r.status === "stale" ? r : r.status === "online" ? undefined : assert.fail(`went ${r.status} before stale`);
    });
    offline = await waitFor("offline", async () => {
      const r = await hostRow(id);
      return r.status === "offline" ? r : undefined;
    });
  } finally {
    process.kill(a.process.pid!, "SIGCONT");
  }
  assert.ok(offline.statusChangedAt > stale.statusChangedAt);
  assert.ok(stale.statusChangedAt.getTime() - stale.lastSeenAt.getTime() >= 2500, "stale only after the stale grace");
  assert.ok(offline.statusChangedAt.getTime() - offline.lastSeenAt.getTime() >= 5000, "offline only after the offline grace");
  await waitFor("online when heard again", async () => (await hostRow(id)).status === "online");

  // Stopped, it closes its connection itself: offline at once, well within the stale grace.
  assert.equal(await a.stop(), 0, "SIGTERM stops the agent cleanly");
  const gone = await waitFor("offline at once", async () => {
    const r = await hostRow(id);
    return r.status === "offline" ? r : r.status === "online" ? undefined : assert.fail(`went ${r.status} before offline`);
  });
  assert.equal(gone.connectedAt, null);
  assert.ok(gone.statusChangedAt.getTime() - gone.lastSeenAt.getTime() < 2500, "offline before the stale grace ran out");

  const again = agent({ root: a.root });
  await again.waitForOutput("connected to");
  assert.doesNotMatch(again.output(), /joined/, "restarted with its stored credential, no token needed");
  // (The stored status is "online" from the hello; the API's reads "syncing" until the agent's inventory is in.)
  await waitFor("online again", async () => (await api(cp, cookie).get(`/api/v1/hosts?status=online`)).body.items.some((h: { id: number }) => h.id === id));
});

test("revoking a host cuts its connection at once and refuses its credential from then on", async () => {
  const { agent: a, id } = await joinedAgent();
  const credential = readFileSync(join(a.root, "agent/credential"), "utf8").trim();
  const res = await api(cp, cookie).post(`/api/v1/hosts/${id}/revoke`);
  assert.equal(res.status, 200);
  assert.equal(res.body.revoked, true);
  assert.equal(res.body.status, "offline");

  assert.equal(await a.exited, 2, "the agent stops: it was revoked");
  assert.match(a.output(), new RegExp(`revoked this host: host ${id} was revoked`));

  const retry = await connectResult(agentSocket({ protocolVersion: PROTOCOL_VERSION, credential }));
  assert.equal(retry.connected, false);
  assert.equal((retry as any).data.code, "revoked");
  assert.match((retry as any).message, new RegExp(`host ${id} was revoked at`));

  const restarted = agent({ root: a.root });
  assert.equal(await restarted.exited, 2);
  assert.match(restarted.output(), /refused this agent: host \d+ was revoked/);

  const row = await hostRow(id);
  assert.ok(row.revokedAt);
  assert.equal(row.status, "offline");
  assert.equal((await api(cp, cookie).get(`/api/v1/hosts?status=revoked`)).body.items.some((h: { id: number }) => h.id === id), true);
});

test("the gantry CLI joins a machine and gantry-agent then runs with the stored credential and server", async () => {
  const { execFile } = await import("node:child_process");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const root = mkdtempSync(join(tmpdir(), "gantry-cli-"));
  // Not spawnSync: a blocked event loop keeps undici from seeing the server close an idle keep-alive connection, and
  // the next fetch (mintJoinToken) is then written into a closed socket ("other side closed").
  const run = (bin: string, ...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(join("bin", bin), args, { encoding: "utf8", env: { ...process.env, GANTRY_SERVER_URL: "" }, timeout: 60_000 }, (e, stdout, stderr) =>
        resolve({ status: e ? (typeof e.code === "number" ? e.code : null) : 0, stdout, stderr }),
      ),
    );
  try {
    const version = await run("gantry.mjs", "version");
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, new RegExp(`^gantry \\d+\\.\\d+\\.\\d+ \\(agent protocol ${PROTOCOL_VERSION}, engine `));

    const usage = await run("gantry.mjs", "join", cp.url);
    assert.equal(usage.status, 1);
    assert.match(usage.stderr, /join needs a server URL and a token/);

    const { token } = await mintJoinToken(cp.url, cookie);
    const joined = await run("gantry.mjs", "join", cp.url, token, "--root", root);
    assert.equal(joined.status, 0, joined.stderr);
    const id = Number(/as host (\d+)/.exec(joined.stdout)![1]);
    assert.equal(statSync(join(root, "agent/credential")).mode & 0o777, 0o600);

    const again = await run("gantry.mjs", "join", cp.url, token, "--root", root);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /join refused .*already used/);

    // No --server and no GANTRY_SERVER_URL: the agent uses the server it joined.
    const a = startAgent({ viaBin: true, args: ["--root", root], root });
    agents.push(a);
    await a.waitForOutput("connected to");
    await waitFor(`host ${id} online`, async () => (await hostRow(id)).status === "online");
    await a.stop();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the link re-reads its facts every few heartbeats and sends them only when they changed", async () => {
  const { agent: a, id } = await joinedAgent();
  const credential = readFileSync(join(a.root, "agent/credential"), "utf8").trim();
  await a.stop();
  const base = (await hostRow(id)).facts as HostFacts;
  let reads = 0;
  const logs: string[] = [];
  const link = new AgentLink({
    serverUrl: cp.url,
    credential,
    facts: async () => ({ ...base, cpus: reads++ < 3 ? base.cpus : base.cpus + 5 }),
    heartbeatIntervalMs: 150,
    factsEveryBeats: 2,
    clock: systemClock,
    random: Math.random,
    log: (m) => logs.push(m),
  });
  const running = link.run();
  try {
    await waitFor("changed facts stored", async () => ((await hostRow(id)).facts as HostFacts).cpus === base.cpus + 5);
    assert.ok(reads >= 4, `facts were re-read (${reads} reads)`);
    assert.deepEqual(logs.filter((l) => /rejected|failed/.test(l)), []);
  } finally {
    link.stop();
    await running;
  }
});
