// Containers through the REST API with an API token, against a real agent: run, list, inspect, stop, start, remove;
// bad input is a 4xx naming the problem; each role gets what the policy grants; every mutation lands in the activity
// record with the token that made it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { api, userSession } from "../support/session";
import { startFleetHost, type FleetHost } from "../support/fleet-host";

let f: FleetHost;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

before(async () => {
  f = await startFleetHost({ bridge: "gap0", subnet: "10.196.0.0/16", pool: "10.197.0.0/16", chainPrefix: "GAP" });
  for (const role of ["operator", "viewer"] as const) {
    const { cookie } = await userSession(f.cp, f.ownerCookie, role);
    tokens[role] = (await api(f.cp, cookie).post("/api/v1/tokens", { name: role })).body.token;
  }
});

after(async () => {
  await f?.destroy();
});

test("run, list, inspect, stop, start and remove a container with an operator's token", async () => {
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  const run = await c.post(base, { image: f.image, name: "api-one", cmd: ["sleep", "300"], network: "none", labels: { team: "api" } }, as("operator"));
  assert.equal(run.status, 201, JSON.stringify(run.body));
  assert.equal(run.body.container.state, "running");
  const id = run.body.id as string;

  const list = await c.get(base, as("viewer"));
  assert.equal(list.status, 200);
  assert.ok(list.body.some((x: { id: string; name: string }) => x.id === id && x.name === "api-one"));

  const inspect = await c.get(`${base}/api-one`, as("viewer"));
  assert.equal(inspect.status, 200);
  assert.equal(inspect.body.Id ?? inspect.body.id, id);

  const denied = await c.post(`${base}/api-one/actions`, { action: "stop" }, as("viewer"));
  assert.equal(denied.status, 403);

  const stop = await c.post(`${base}/api-one/actions`, { action: "stop", timeoutSeconds: 1 }, as("operator"));
  assert.equal(stop.status, 200, JSON.stringify(stop.body));
  assert.equal(stop.body.changed, true);
  assert.equal((await c.get(base, as("viewer"))).body.some((x: { id: string }) => x.id === id), false, "a stopped container is not listed without all");
  assert.ok((await c.get(`${base}?all=true`, as("viewer"))).body.some((x: { id: string; state: string }) => x.id === id && x.state === "exited"));

  assert.equal((await c.post(`${base}/api-one/actions`, { action: "start" }, as("operator"))).status, 200);
  const inUse = await c.delete(`${base}/api-one`, as("operator"));
  assert.equal(inUse.status, 409, JSON.stringify(inUse.body));
  const rm = await c.delete(`${base}/api-one?force=true`, as("operator"));
  assert.equal(rm.status, 200, JSON.stringify(rm.body));
  assert.equal((await c.get(`${base}/api-one`, as("viewer"))).status, 404);

  const activity = await api(f.cp, f.ownerCookie).get(`/api/v1/activity?action=containers.&pageSize=20`);
  const mine = (activity.body.items as Array<{ target: string; outcome: string; tokenId: string | null; details: { method: string } }>).reverse();
  assert.deepEqual(
    mine.map((r) => `${r.details.method} ${r.target} ${r.outcome}`),
    [
      `POST hosts/${f.hostId}/containers ok`,
      `POST hosts/${f.hostId}/containers/api-one/actions ok`,
      `POST hosts/${f.hostId}/containers/api-one/actions ok`,
      `DELETE hosts/${f.hostId}/containers/api-one conflict`,
      `DELETE hosts/${f.hostId}/containers/api-one ok`,
    ],
  );
  assert.ok(mine.every((r) => r.tokenId), "each row names the token used");
});

test("bad input is a 4xx that names the problem, never a 500", async () => {
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ["POST", base, { name: "x" }, 422, /image/],
    ["POST", base, { image: f.image, ports: [{ container: 70000 }] }, 422, /ports/],
    ["POST", base, { image: f.image, bogus: 1 }, 422, /bogus|Unrecognized/i],
    ["POST", `${base}/x/actions`, { action: "explode" }, 422, /action/],
    ["POST", `${base}/x/actions`, { action: "start", signal: "SIGKILL" }, 422, /signal applies to kill only/],
    ["GET", `/api/v1/hosts/abc/containers`, undefined, 422, /positive whole number/],
    ["GET", `${base}?all=maybe`, undefined, 422, /all/],
    ["DELETE", `/api/v1/hosts/${f.hostId}/images`, undefined, 422, /ref/],
    ["POST", `${base}/no-such-container/actions`, { action: "stop" }, 404, /no-such-container|not found/i],
    ["GET", `/api/v1/hosts/424242/containers`, undefined, 404, /host/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const r = await c.request(method, path, body, as("operator"));
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, message, `${method} ${path}`);
  }
});

test("images and metrics of a host", async () => {
  const c = api(f.cp);
  const images = await c.get(`/api/v1/hosts/${f.hostId}/images`, as("viewer"));
  assert.equal(images.status, 200);
  assert.ok(images.body.some((i: { repoTags: string[] }) => i.repoTags.includes(f.image)));
  const target = `${f.registry.host}/busybox:api-tag`;
  assert.equal((await c.post(`/api/v1/hosts/${f.hostId}/images/tag`, { source: f.image, target }, as("viewer"))).status, 403);
  assert.equal((await c.post(`/api/v1/hosts/${f.hostId}/images/tag`, { source: f.image, target }, as("operator"))).status, 201);
  assert.ok((await c.get(`/api/v1/hosts/${f.hostId}/images`, as("viewer"))).body.some((i: { repoTags: string[] }) => i.repoTags.includes(target)));
  const rm = await c.delete(`/api/v1/hosts/${f.hostId}/images?ref=${encodeURIComponent(target)}`, as("operator"));
  assert.equal(rm.status, 200, JSON.stringify(rm.body));
  const metrics = await c.get(`/api/v1/hosts/${f.hostId}/metrics`, as("viewer"));
  assert.equal(metrics.status, 200);
  assert.ok(metrics.body.memory.totalBytes > 0);
  assert.ok(metrics.body.cpuPercent >= 0);
});
