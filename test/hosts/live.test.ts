// Browsers subscribed to the "hosts" room see hosts join and change status as it happens, over real sockets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io as connect, type Socket } from "socket.io-client";
import { startControlPlane } from "../support/control-plane";
import { setupOwner, signIn, userSession, api } from "../support/session";
import { startAgent, mintJoinToken, type AgentProcess } from "../support/agent";

interface HostEvent {
  type: string;
  host: { id: number; status: string; connected: boolean; revoked: boolean; name: string };
}

function browserSocket(url: string, cookie?: string): Socket {
  return connect(`${url}/browser`, { path: "/socket.io", extraHeaders: cookie ? { cookie } : {}, transports: ["websocket"], reconnection: false });
}

/** Collects "host" events; next(pred) resolves with the first (past or future) event matching. */
function recorder(s: Socket) {
  const events: HostEvent[] = [];
  const waiters: { pred: (e: HostEvent) => boolean; resolve: (e: HostEvent) => void }[] = [];
  s.on("host", (e: HostEvent) => {
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) waiters.splice(waiters.indexOf(w), 1), w.resolve(e);
  });
  return {
    events,
    next(what: string, pred: (e: HostEvent) => boolean, ms = 20_000): Promise<HostEvent> {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${what}" event within ${ms} ms; got ${JSON.stringify(events.map((e) => [e.type, e.host.id, e.host.status]))}`)), ms);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

test("a browser subscribed to hosts sees a host join, go online, stale and offline when its agent falls silent, back online, offline at once when its agent stops, and get revoked", async () => {
  const cp = await startControlPlane({ env: { GANTRY_HEARTBEAT_STALE_MS: "2500", GANTRY_HEARTBEAT_OFFLINE_MS: "5000" } });
  const agents: AgentProcess[] = [];
  const sockets: Socket[] = [];
  try {
    const owner = await setupOwner(cp);
    const cookie = await signIn(cp, owner.email, owner.password);
    const viewer = await userSession(cp, cookie, "viewer");

    const anonymous = browserSocket(cp.url);
    sockets.push(anonymous);
    const refused = await new Promise<Error>((r) => anonymous.once("connect_error", r));
    assert.match(refused.message, /unauthorized/);

    const s = browserSocket(cp.url, viewer.cookie);
    sockets.push(s);
    const live = recorder(s);
    assert.deepEqual(await s.timeout(5000).emitWithAck("subscribe", "hosts"), { ok: true });

    const { token } = await mintJoinToken(cp.url, cookie);
    const a = startAgent({ serverUrl: cp.url, token });
    agents.push(a);
    const joined = await live.next("joined", (e) => e.type === "joined");
    const id = joined.host.id;
    assert.equal(joined.host.status, "offline", "a new host is offline until it says hello");
    const online = await live.next("online", (e) => e.host.id === id && e.host.status === "online");
    assert.equal(online.host.connected, true);

    // A silent loss (the agent frozen: its connection open, no heartbeats) is the heartbeat sweep's: stale, then offline.
    process.kill(a.process.pid!, "SIGSTOP");
    try {
      await live.next("stale", (e) => e.host.id === id && e.host.status === "stale");
      await live.next("offline", (e) => e.host.id === id && e.type === "status" && e.host.status === "offline");
    } finally {
      process.kill(a.process.pid!, "SIGCONT");
    }
    let from = live.events.length;
    await live.next("online after the freeze", (e) => live.events.indexOf(e) >= from && e.host.id === id && e.host.status === "online");

    // An agent that stops says goodbye: the host is offline at once, not after the 2.5 s stale grace (it read "online"
    // until the sweep's grace ran out, although the control plane knew the agent had gone).
    from = live.events.length;
    const stoppedAt = Date.now();
    await a.stop();
    const gone = await live.next("offline at stop", (e) => live.events.indexOf(e) >= from && e.host.id === id && e.type === "status" && e.host.status === "offline", 2_000);
    assert.equal(gone.host.connected, false);
    assert.ok(Date.now() - stoppedAt < 2_500, `offline ${Date.now() - stoppedAt} ms after the stop`);
    assert.deepEqual(live.events.slice(from).filter((e) => e.host.id === id && e.host.status === "stale"), [], "no stale on the way");

    const again = startAgent({ serverUrl: cp.url, root: a.root });
    agents.push(again);
    const back = live.events.length;
    await live.next("online again", (e) => live.events.indexOf(e) >= back && e.host.id === id && e.host.status === "online");

    const renamed = await api(cp, cookie).patch(`/api/v1/hosts/${id}`, { name: "renamed-live" });
    assert.equal(renamed.status, 200);
    await live.next("renamed", (e) => e.host.id === id && e.host.name === "renamed-live");
    await api(cp, cookie).post(`/api/v1/hosts/${id}/revoke`);
    const revoked = await live.next("revoked", (e) => e.type === "revoked" && e.host.id === id);
    assert.equal(revoked.host.revoked, true);
    assert.equal(revoked.host.status, "offline");
    assert.equal(await again.exited, 2);

    // The statuses arrived in the order they happened.
    const statuses = live.events.filter((e) => e.host.id === id && e.type === "status").map((e) => e.host.status);
    // A host that says hello reads "syncing" until its inventory is in, then "online". After the freeze the agent is
    // heard from again by a heartbeat ("online") or, if it reconnected, by a hello ("syncing", "online").
    const thaw = statuses.slice(4, statuses.lastIndexOf("offline"));
    assert.ok(["online", "syncing,online"].includes(thaw.join()), statuses.join());
    assert.deepEqual([...statuses.slice(0, 4), ...statuses.slice(4 + thaw.length)], ["syncing", "online", "stale", "offline", "offline", "syncing", "online"]);
  } finally {
    for (const s of sockets) s.disconnect();
    await Promise.all(agents.map((a) => a.destroy()));
    await cp.destroy();
  }
});
