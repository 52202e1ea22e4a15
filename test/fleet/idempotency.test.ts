// Idempotency keys through the REST API, against a real agent: a key belongs to one actor, one host and one command
// kind, and only mutations honour it. A viewer who reads with an operator's key gets a list, not the operator's run;
// a viewer who uses a key first does not stop the operator's run from happening; two operators with one key each run
// their own; one actor's key for a run does not answer a stop.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { api, userSession } from "../support/session";

let f: FleetHost;
let viewer: string;
let operatorA: string;
let operatorB: string;

before(async () => {
  f = await startFleetHost("gid");
  [viewer, operatorA, operatorB] = await Promise.all(["viewer", "operator", "operator"].map(async (r) => (await userSession(f.cp, f.ownerCookie, r as "viewer")).cookie));
});

after(async () => {
  await f?.destroy();
});

const key = () => `k-${randomBytes(6).toString("hex")}`;
const containers = () => `/api/v1/hosts/${f.hostId}/containers`;
const run = (cookie: string, k: string, label: string) =>
  api(f.cp, cookie).post(containers(), { image: f.image, cmd: ["sleep", "300"], network: "none", labels: { idem: label } }, { "idempotency-key": k });

/** The host's containers carrying label idem=<label>, asked live. */
async function labelled(label: string): Promise<Array<{ id: string }>> {
  const r = await api(f.cp, f.ownerCookie).get(`${containers()}?all=true`);
  assert.equal(r.status, 200);
  return (r.body as Array<{ id: string; labels: Record<string, string> }>).filter((c) => c.labels.idem === label);
}

test("a viewer's read with a key first does not stop an operator's run with it from happening", async () => {
  const k = key();
  const read = await api(f.cp, viewer).get(containers(), { "idempotency-key": k });
  assert.equal(read.status, 200);
  assert.ok(Array.isArray(read.body));
  const r = await run(operatorA, k, "viewer-first");
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.id ?? "", /^[0-9a-f]{64}$/, `a run's result, not the viewer's list: ${JSON.stringify(r.body).slice(0, 200)}`);
  assert.deepEqual((await labelled("viewer-first")).map((c) => c.id), [r.body.id], "the run happened");
});

test("a viewer reading with an operator's key gets the list, never the operator's run result", async () => {
  const k = key();
  const r = await run(operatorA, k, "operator-first");
  assert.equal(r.status, 201);
  const read = await api(f.cp, viewer).get(containers(), { "idempotency-key": k });
  assert.equal(read.status, 200);
  assert.ok(Array.isArray(read.body), `a list: ${JSON.stringify(read.body).slice(0, 200)}`);
  const inspect = await api(f.cp, viewer).get(`${containers()}/${r.body.id}`, { "idempotency-key": k });
  assert.equal(inspect.body.Id, r.body.id, "an inspect is an inspect");
});

test("two operators with one key each run their own; the same operator again gets the first run", async () => {
  const k = key();
  const a = await run(operatorA, k, "two-operators");
  const b = await run(operatorB, k, "two-operators");
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.notEqual(a.body.id, b.body.id, "B's run is B's");
  const again = await run(operatorA, k, "two-operators");
  assert.equal(again.body.id, a.body.id, "A's retry is answered with A's first run");
  assert.equal((await labelled("two-operators")).length, 2, "two runs, not one, not three");
});

test("one actor's key for a run does not answer a stop with the run's result", async () => {
  const k = key();
  const r = await run(operatorA, k, "kinds");
  assert.equal(r.status, 201);
  const stop = await api(f.cp, operatorA).post(`${containers()}/${r.body.id}/actions`, { action: "stop", timeoutSeconds: 0 }, { "idempotency-key": k });
  assert.equal(stop.status, 200, JSON.stringify(stop.body));
  assert.deepEqual(stop.body, { id: r.body.id, changed: true }, "the stop ran");
  const inspect = await api(f.cp, operatorA).get(`${containers()}/${r.body.id}`);
  assert.equal(inspect.body.State.Running, false);
});
