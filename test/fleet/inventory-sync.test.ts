// The inventory arrives in bounded pages. A real agent whose containers carry megabytes of labels (made through its
// Docker socket, which has no API limit) syncs all of them, stays connected and answers commands; a host mid-sync
// reads "syncing" in the API until its last page is in; a page out of order leaves it "syncing" with the reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { api } from "../support/session";
import { waitFor } from "../support/agent";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { fakeContainer, startFakeAgent, type FakeAgent } from "../support/fake-agent";

let f: FleetHost;
const fakes: FakeAgent[] = [];

before(async () => {
  f = await startFleetHost("gsy");
});

after(async () => {
  for (const a of fakes) a.close();
  await f?.destroy();
});

/** A call to the agent's Docker-compatible API over its unix socket (no control-plane limit on what it takes). */
function engine(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      { socketPath: join(f.agent.root, "docker.sock"), method, path, headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const connections = () => (f.agent.output().match(/connected to /g) ?? []).length;

test("a host whose containers carry megabytes of labels syncs completely, stays connected and answers commands", async () => {
  const before = connections();
  const big = (n: number) => String.fromCharCode(97 + n).repeat(100_000);
  const names: string[] = [];
  for (let i = 0; i < 24; i++) {
    const name = `inv-${i}`;
    // 300 kB of labels each, 7 MB in all: one inventory message of this was past the socket's 1 MB limit.
    const created = await engine("POST", `/v1.43/containers/create?name=${name}`, { Image: f.image, Cmd: ["true"], Labels: { a: big(0), b: big(1), c: big(2), team: "inv", n: String(i) } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    names.push(name);
  }
  // And one with a thousand small labels, past the inventory's label budget.
  const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`key-${String(i).padStart(4, "0")}`, "v".repeat(60)]));
  assert.equal((await engine("POST", "/v1.43/containers/create?name=inv-many", { Image: f.image, Cmd: ["true"], Labels: { ...many, team: "inv" } })).status, 201);
  names.push("inv-many");

  const c = api(f.cp, f.ownerCookie);
  const listed = await waitFor(
    "every container in the inventory",
    async () => {
      const r = await c.get(`/api/v1/containers?host=${f.hostId}&label=team%3Dinv&pageSize=100`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.total === names.length ? r.body.items : undefined;
    },
    60_000,
  );
  assert.deepEqual(listed.map((x: { name: string }) => x.name).sort(), [...names].sort());
  const one = listed.find((x: { name: string }) => x.name === "inv-3");
  assert.equal(one.labels.n, "3", "small labels are listed");
  assert.equal(one.labels.a, undefined, "a 100 kB label is left out of the inventory");
  assert.equal(one.labelsOmitted, 3);
  const lots = listed.find((x: { name: string }) => x.name === "inv-many");
  assert.ok(lots.labelsOmitted > 0 && Object.keys(lots.labels).length + lots.labelsOmitted === 1001, JSON.stringify({ kept: Object.keys(lots.labels).length, omitted: lots.labelsOmitted }));

  const host = (await c.get(`/api/v1/hosts/${f.hostId}`)).body;
  assert.equal(host.status, "online", JSON.stringify(host));
  assert.equal(host.inventory.syncing, false);
  assert.equal(host.inventory.error, null);
  assert.equal(connections(), before, `the agent never reconnected:\n${f.agent.output().slice(-2000)}`);

  // It answers commands: the full inspect (all the labels) and an action on one of them.
  const inspect = await c.get(`/api/v1/hosts/${f.hostId}/containers/inv-3`);
  assert.equal(inspect.status, 200, JSON.stringify(inspect.body).slice(0, 500));
  assert.equal(inspect.body.Config.Labels.a.length, 100_000);
  const started = await c.post(`/api/v1/hosts/${f.hostId}/containers/inv-3/actions`, { action: "start" });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  // A live list of 7 MB cannot travel in one reply: it is refused with the reason, and the connection stays.
  const live = await c.get(`/api/v1/hosts/${f.hostId}/containers?all=true`);
  assert.equal(live.status, 422, JSON.stringify(live.body).slice(0, 500));
  assert.match(live.body.error.message, /KiB, more than the .* a reply may carry/);
  assert.equal((await c.get(`/api/v1/hosts/${f.hostId}/containers/inv-0`)).status, 200);
  assert.equal(connections(), before, "still the same connection");

  // The API itself refuses labels past the inventory's budget, naming the field.
  const refused = await c.post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name: "inv-api", labels: { a: "a".repeat(20_000), b: "b".repeat(20_000) } });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  assert.match(JSON.stringify(refused.body), /labels/);
  for (const name of names) await engine("DELETE", `/v1.43/containers/${name}?force=true`);
});

test("a host mid-sync reads as syncing until its last page is in; a page out of order says why", async () => {
  const agent = await startFakeAgent(f.cp.url, f.ownerCookie);
  fakes.push(agent);
  const c = api(f.cp, f.ownerCookie);
  const host = async () => (await c.get(`/api/v1/hosts/${agent.hostId}`)).body;
  // It said hello and sent no inventory yet: what runs there is not known, so it is not "online".
  let h = await host();
  assert.equal(h.status, "syncing");
  assert.deepEqual([h.inventory.syncing, h.inventory.pages], [true, 0]);

  const page = (index: number, last: boolean, ids: string[], syncId = "sync-1") => ({ syncId, index, last, containers: ids.map((id) => fakeContainer({ id, name: `mid-${id}` })), images: [] });
  assert.deepEqual(await agent.send("inventory.page", page(0, false, ["a1", "a2"])), { ok: true });
  h = await host();
  assert.equal(h.status, "syncing");
  assert.equal(h.inventory.syncing, true);
  assert.equal(h.inventory.pages, 1);
  const list = await c.get(`/api/v1/hosts?status=syncing`);
  assert.ok(list.body.items.some((x: { id: number }) => x.id === agent.hostId));
  assert.ok(list.body.counts.syncing >= 1);
  assert.ok(!(await c.get(`/api/v1/hosts?status=online`)).body.items.some((x: { id: number }) => x.id === agent.hostId));
  // The pages say it too (server-rendered): the hosts list's badge and the host page's inventory line.
  const hostsPage = (await c.get(`/hosts?status=syncing`)).body as string;
  assert.match(hostsPage, /data-status="syncing"/);
  assert.match((await c.get(`/hosts/${agent.hostId}`)).body as string, /syncing \(1 page in\)/);

  assert.deepEqual(await agent.send("inventory.page", page(1, true, ["a3"])), { ok: true });
  h = await host();
  assert.equal(h.status, "online");
  assert.equal(h.inventory.syncing, false);
  assert.ok(h.inventory.syncedAt);
  const listed = await c.get(`/api/v1/containers?host=${agent.hostId}`);
  assert.deepEqual(listed.body.items.map((x: { id: string }) => x.id).sort(), ["a1", "a2", "a3"]);

  // A new sync that skips a page is refused; the host says it is out of sync, and the old inventory stays listed.
  assert.deepEqual(await agent.send("inventory.page", page(0, false, ["b1"], "sync-2")), { ok: true });
  const skipped = await agent.send("inventory.page", page(2, true, ["b3"], "sync-2"));
  assert.equal(skipped.ok, false);
  assert.match(skipped.error!, /out of order/);
  h = await host();
  assert.equal(h.status, "syncing");
  assert.match(h.inventory.error, /out of order/);
  assert.match((await c.get(`/hosts?status=syncing`)).body as string, /out of sync/);
  // A malformed page is refused with the field, and said on the host too.
  const bad = await agent.send("inventory.page", { ...page(0, true, ["c1"], "sync-3"), containers: [{ ...fakeContainer({ id: "c1" }), createdAt: "yesterday" }] });
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /containers\.0\.createdAt/);
  await waitFor("the malformed page on the host", async () => /createdAt/.test((await host()).inventory.error ?? ""));

  // Starting over completes: online again, the inventory is exactly the last sync's.
  assert.deepEqual(await agent.send("inventory.page", page(0, true, ["d1"], "sync-4")), { ok: true });
  h = await host();
  assert.equal(h.status, "online");
  assert.equal(h.inventory.error, null);
  assert.deepEqual((await c.get(`/api/v1/containers?host=${agent.hostId}`)).body.items.map((x: { id: string }) => x.id), ["d1"]);
});
