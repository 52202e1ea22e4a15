// Streams over the /browser socket stay authorized for as long as they are open, against a real control plane and a
// real agent: per-connection limits hold under parallel opens, a connection that drops leaves no exec process behind
// (even one whose start was still in flight), and a demotion, a disabled account or a revoked API token ends the
// user's terminal and log streams within a second, after which input is refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { startFleetHost, type FleetHost } from "../support/fleet-host";

let f: FleetHost;
const CONTAINER = "ba-box";
const sockets: Socket[] = [];

before(async () => {
  f = await startFleetHost("gbx");
  const run = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name: CONTAINER, cmd: ["sh", "-c", "while true; do echo tick; sleep 1; done"], network: "none" });
  assert.equal(run.status, 201, JSON.stringify(run.body));
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await f?.destroy();
});

/** The command lines of the processes running in the test container now (read through the agent's Docker socket). */
function processes(): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile("/usr/local/bin/docker", ["exec", CONTAINER, "ps", "-o", "args"], { env: { ...process.env, DOCKER_HOST: `unix://${join(f.agent.root, "docker.sock")}` } }, (e, out, err) =>
      e ? reject(new Error(err || e.message)) : resolve(String(out).split("\n").slice(1).map((l) => l.trim()).filter(Boolean)),
    ),
  );
}

async function browserSocket(headers: Record<string, string>): Promise<Socket> {
  const s = connect(`${f.cp.url}/browser`, { path: "/socket.io", transports: ["websocket"], reconnection: false, extraHeaders: headers });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", (e) => reject(e));
  });
  return s;
}

const startExec = (s: Socket, cmd: string[]) => s.timeout(20_000).emitWithAck("exec:start", { hostId: f.hostId, container: CONTAINER, cmd }) as Promise<{ ok: boolean; execId: string; error?: string }>;
const openLogs = (s: Socket) => s.timeout(20_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "logs", id: CONTAINER, follow: true, tail: 1 } }) as Promise<{ ok: boolean; streamId: string; error?: string }>;

function ended<T extends { error?: string }>(s: Socket, event: "exec:end" | "stream:end", key: "execId" | "streamId", id: string): Promise<T & { at: number }> {
  return new Promise((resolve) => {
    const on = (msg: T & Record<string, unknown>) => {
      if (msg[key] !== id) return;
      s.off(event, on);
      resolve({ ...msg, at: Date.now() });
    };
    s.on(event, on);
  });
}

async function noProcess(marker: string) {
  await waitFor(`no "${marker}" process left in the container`, async () => !(await processes()).some((p) => p.includes(marker)), 10_000).catch(async (e) => {
    throw new Error(`${(e as Error).message}; still running: ${JSON.stringify(await processes())}`);
  });
}

test("100 parallel opens on one connection: exactly the limit is accepted (64 streams, 16 exec sessions)", async () => {
  const s = await browserSocket({ cookie: f.ownerCookie });
  const opens = await Promise.all(Array.from({ length: 100 }, () => openLogs(s)));
  assert.equal(opens.filter((r) => r.ok).length, 64, JSON.stringify(opens.filter((r) => !r.ok).slice(0, 1)));
  assert.match(opens.find((r) => !r.ok)!.error!, /at most 64 streams per connection/);

  const execs = await Promise.all(Array.from({ length: 100 }, (_, i) => startExec(s, ["sh", "-c", `sleep 600; echo limit-${i}`])));
  assert.equal(execs.filter((r) => r.ok).length, 16);
  assert.match(execs.find((r) => !r.ok)!.error!, /at most 16 exec sessions per connection/);
  assert.equal((await processes()).filter((p) => p.includes("limit-")).length, 16, "only the accepted sessions run");

  s.disconnect();
  await noProcess("limit-");
});

test("exec:start then an immediate disconnect leaves no process in the container", async () => {
  for (let round = 0; round < 3; round++) {
    const s = await browserSocket({ cookie: f.ownerCookie });
    for (let i = 0; i < 4; i++) s.emit("exec:start", { hostId: f.hostId, container: CONTAINER, cmd: ["sh", "-c", `sleep 600; echo orphan-${round}-${i}`] }, () => {});
    s.disconnect();
  }
  // Long enough for every start to have reached the host and come back.
  await new Promise((r) => setTimeout(r, 3000));
  await noProcess("orphan-");
});

/** An operator's terminal and log stream on one socket, then `change` (through the API); both must end within a second. */
async function loseAccess(headers: Record<string, string>, marker: string, change: () => Promise<void>, expect: RegExp, cut = false) {
  const s = await browserSocket(headers);
  const exec = await startExec(s, ["sh", "-c", `cat; echo ${marker}`]);
  assert.equal(exec.ok, true, JSON.stringify(exec));
  const logs = await openLogs(s);
  assert.equal(logs.ok, true, JSON.stringify(logs));
  const execEnd = ended<{ error?: string }>(s, "exec:end", "execId", exec.execId);
  const logsEnd = ended<{ error?: string }>(s, "stream:end", "streamId", logs.streamId);
  // The terminal works before the change.
  assert.deepEqual(await s.timeout(5000).emitWithAck("exec:input", { execId: exec.execId, data: "before\n" }), { ok: true });
  await waitFor(`${marker} running`, async () => (await processes()).some((p) => p.includes(marker)));

  const gone = new Promise<number>((r) => s.once("disconnect", () => r(Date.now())));
  const changedAt = Date.now();
  await change();
  const [e, l] = await Promise.all([execEnd, logsEnd]);
  assert.match(e.error ?? "", expect);
  assert.match(l.error ?? "", expect);
  assert.ok(e.at - changedAt < 1000, `the terminal ended ${e.at - changedAt} ms after the change`);
  assert.ok(l.at - changedAt < 1000, `the log stream ended ${l.at - changedAt} ms after the change`);
  if (cut) {
    // The credential is gone: so is the socket, and nothing more can be sent on it.
    assert.ok((await gone) - changedAt < 1000, "the socket was cut within a second");
  } else {
    const refused = (await s.timeout(5000).emitWithAck("exec:input", { execId: exec.execId, data: "after\n" })) as { ok: boolean; error: string };
    assert.equal(refused.ok, false);
    assert.match(refused.error, /forbidden|unauthorized|no exec session/);
  }
  await noProcess(marker);
  return s;
}

test("an operator demoted to viewer loses their open terminal and log stream at once; input after is refused", async () => {
  const { user, cookie } = await userSession(f.cp, f.ownerCookie, "operator");
  const s = await loseAccess(
    { cookie },
    "demoted-marker",
    async () => assert.equal((await api(f.cp, f.ownerCookie).patch(`/api/v1/users/${user.id}`, { role: "viewer" })).status, 200),
    /your role \(viewer\) no longer allows containers\.(exec|logs)/,
  );
  // The socket stays (a viewer may still read), but opens what a viewer may not are refused.
  assert.equal(s.connected, true);
  const again = await startExec(s, ["id"]);
  assert.equal(again.ok, false);
  assert.match(again.error!, /forbidden: your role \(viewer\)/);
});

test("a disabled operator loses their open terminal and log stream at once", async () => {
  const { user, cookie } = await userSession(f.cp, f.ownerCookie, "operator");
  const s = await browserSocket({ cookie });
  const exec = await startExec(s, ["sh", "-c", "cat; echo disabled-marker"]);
  assert.equal(exec.ok, true, JSON.stringify(exec));
  assert.equal((await openLogs(s)).ok, true);
  await waitFor("disabled-marker running", async () => (await processes()).some((p) => p.includes("disabled-marker")));
  const gone = new Promise<number>((r) => s.once("disconnect", () => r(Date.now())));
  const changedAt = Date.now();
  assert.equal((await api(f.cp, f.ownerCookie).patch(`/api/v1/users/${user.id}`, { disabled: true })).status, 200);
  assert.ok((await gone) - changedAt < 1000, "the socket was cut within a second");
  await noProcess("disabled-marker");
});

test("revoking the API token a socket was opened with ends its terminal and log stream at once", async () => {
  const { cookie } = await userSession(f.cp, f.ownerCookie, "operator");
  const created = await api(f.cp, cookie).post("/api/v1/tokens", { name: "cli" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const s = await loseAccess(
    { authorization: `Bearer ${created.body.token}` },
    "revoked-marker",
    async () => assert.equal((await api(f.cp, cookie).delete(`/api/v1/tokens/${created.body.apiToken.id}`)).status, 200),
    /your session or token is no longer valid/,
    true,
  );
  assert.equal(s.connected, false);
  await assert.rejects(browserSocket({ authorization: `Bearer ${created.body.token}` }), /unauthorized/);
});
