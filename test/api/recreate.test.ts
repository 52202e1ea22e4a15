// POST /api/v1/hosts/{id}/containers/{cid}/recreate against a real agent: the original is set aside and kept until the
// new one runs. A new one that cannot start (its host port held by another container) leaves the original as it was,
// running under its name, with the reason; a taken aside name is passed over; viewers are refused and a bad spec is a
// 422 naming the field, both with nothing changed; an agent killed half-way leaves both containers visible under names
// that say what they are, and the next recreate of the original finishes the job.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { freePort } from "../support/ports";

let f: FleetHost;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
const base = () => `/api/v1/hosts/${f.hostId}/containers`;

before(async () => {
  f = await startFleetHost("grc");
  for (const role of ["operator", "viewer"] as const) {
    const { cookie } = await userSession(f.cp, f.ownerCookie, role);
    tokens[role] = (await api(f.cp, cookie).post("/api/v1/tokens", { name: role })).body.token;
  }
});

after(async () => {
  await f?.destroy();
});

/** Every container on the host (stopped ones too), by name. */
async function names(): Promise<string[]> {
  const r = await api(f.cp).get(`${base()}?all=true`, as("viewer"));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body as { name: string }[]).map((c) => c.name).sort();
}

/** A shell that ends on SIGTERM at once (a bare `sleep` as PID 1 ignores it, and each stop would take its 10 s grace). */
const SLEEPER = (n: number) => ["sh", "-c", `trap 'exit 0' TERM; sleep ${n} & wait`];

async function run(spec: Record<string, unknown>): Promise<{ id: string }> {
  const r = await api(f.cp).post(base(), { image: f.image, cmd: SLEEPER(300), ...spec }, as("operator"));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function inspect(ref: string) {
  return api(f.cp).get(`${base()}/${ref}`, as("operator"));
}


test("recreate: the new container runs under the original's name with the new settings, and the original is removed", async () => {
  const port = await freePort();
  const original = await run({ name: "rc-web", ports: [{ host: port, hostIp: "127.0.0.1", container: 80 }], memoryBytes: 64 << 20, workdir: "/tmp", labels: { app: "rc" } });
  const r = await api(f.cp).post(
    `${base()}/rc-web/recreate`,
    { image: f.image, cmd: SLEEPER(300), ports: [{ host: port, hostIp: "127.0.0.1", container: 80 }], memoryBytes: 96 << 20, workdir: "/srv", user: "1000", hostname: "rc-host", labels: { app: "rc" } },
    as("operator"),
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.name, "rc-web");
  assert.notEqual(r.body.id, original.id);
  assert.deepEqual(r.body.replaced, { id: original.id, name: "rc-web", removed: true });
  assert.equal(r.body.container.state, "running");
  const now = (await inspect("rc-web")).body;
  assert.equal(now.Id, r.body.id);
  assert.equal(now.HostConfig.Memory, 96 << 20);
  assert.equal(now.Config.WorkingDir, "/srv");
  assert.equal(now.Config.User, "1000");
  assert.equal(now.Config.Hostname, "rc-host");
  assert.equal(now.HostConfig.PortBindings["80/tcp"][0].HostPort, String(port), "the original's host port is the new one's");
  assert.equal((await inspect(original.id)).status, 404, "the original is gone");
  assert.deepEqual(await names(), ["rc-web"], "nothing is left aside");
  // One activity row for the request, in words.
  const rows = (await api(f.cp, f.ownerCookie).get("/api/v1/activity?action=containers.manage&pageSize=50")).body.items as Array<{ text: string; outcome: string; target: string }>;
  const row = rows.find((x) => x.target.endsWith("/containers/rc-web/recreate"));
  assert.ok(row, JSON.stringify(rows.map((x) => x.target)));
  assert.equal(row.outcome, "ok");
  assert.match(row.text, /recreated container rc-web from .*busybox.* on host /);
  await api(f.cp).delete(`${base()}/rc-web?force=true`, as("operator"));
});

test("recreate that cannot start (its host port is held by another container) keeps the original, running, under its name", async () => {
  const [mine, theirs] = [await freePort(), await freePort()];
  const original = await run({ name: "rc-keep", ports: [{ host: mine, hostIp: "127.0.0.1", container: 80 }] });
  await run({ name: "rc-holder", ports: [{ host: theirs, hostIp: "127.0.0.1", container: 80 }] });
  const r = await api(f.cp).post(`${base()}/rc-keep/recreate`, { image: f.image, cmd: SLEEPER(301), ports: [{ host: theirs, hostIp: "127.0.0.1", container: 80 }] }, as("operator"));
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.match(r.body.error.message, /port is already allocated/);
  assert.match(r.body.error.message, /the original rc-keep was put back as it was and runs again/);
  const kept = (await inspect("rc-keep")).body;
  assert.equal(kept.Id, original.id, "the original keeps its name");
  assert.equal(kept.State.Running, true, "and runs again");
  assert.deepEqual(kept.Config.Cmd, SLEEPER(300), "with its own settings");
  assert.deepEqual(await names(), ["rc-holder", "rc-keep"], "no new container, nothing left aside");
  // A bad image: the same.
  const bad = await api(f.cp).post(`${base()}/rc-keep/recreate`, { image: "127.0.0.1:1/nothing:here", cmd: ["true"] }, as("operator"));
  assert.ok(bad.status >= 400 && bad.status < 500, JSON.stringify(bad.body));
  assert.match(bad.body.error.message, /put back as it was/);
  assert.equal((await inspect("rc-keep")).body.State.Running, true);
  assert.deepEqual(await names(), ["rc-holder", "rc-keep"]);
  for (const n of ["rc-keep", "rc-holder"]) await api(f.cp).delete(`${base()}/${n}?force=true`, as("operator"));
});

test("recreate passes over a taken aside name; a stopped original's replacement is created and started", async () => {
  const original = await run({ name: "rc-taken" });
  await api(f.cp).post(`${base()}/rc-taken/actions`, { action: "stop", timeoutSeconds: 1 }, as("operator"));
  const squatter = `rc-taken_gantry_old_${original.id.slice(0, 12)}`;
  await run({ name: squatter });
  const r = await api(f.cp).post(`${base()}/rc-taken/recreate`, { image: f.image, cmd: SLEEPER(302) }, as("operator"));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.replaced.removed, true);
  assert.deepEqual(await names(), [squatter, "rc-taken"].sort(), "the squatter is untouched, the original gone");
  assert.deepEqual((await inspect(squatter)).body.Config.Cmd, SLEEPER(300));
  for (const n of ["rc-taken", squatter]) await api(f.cp).delete(`${base()}/${n}?force=true`, as("operator"));
});

test("recreate refuses a viewer (403), a bad spec (422 naming the field) and a bind mount for an operator (403 naming it), changing nothing", async () => {
  const original = await run({ name: "rc-guard" });
  const c = api(f.cp);
  const viewer = await c.post(`${base()}/rc-guard/recreate`, { image: f.image }, as("viewer"));
  assert.equal(viewer.status, 403, JSON.stringify(viewer.body));
  const cases: Array<[unknown, RegExp]> = [
    [{ image: f.image, ports: [{ container: 70000 }] }, /^ports\.0\.container$/],
    [{ image: f.image, healthcheck: { test: ["SOMETIMES", "true"] } }, /^healthcheck\.test$/],
    [{ image: f.image, networks: ["bad name"] }, /^networks\.0$/],
    [{ cmd: ["true"] }, /^image$/],
  ];
  for (const [body, path] of cases) {
    const r = await c.post(`${base()}/rc-guard/recreate`, body, as("operator"));
    assert.equal(r.status, 422, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok((r.body.error.details as Array<{ path: string }>).some((d) => path.test(d.path)), JSON.stringify(r.body.error));
  }
  const bind = await c.post(`${base()}/rc-guard/recreate`, { image: f.image, volumes: [{ source: "/tmp", target: "/data" }] }, as("operator"));
  assert.equal(bind.status, 403, JSON.stringify(bind.body));
  assert.ok((bind.body.error.details as Array<{ path: string }>).some((d) => d.path === "volumes.0.source"));
  const missing = await c.post(`${base()}/rc-no-such/recreate`, { image: f.image }, as("operator"));
  assert.equal(missing.status, 404, JSON.stringify(missing.body));
  const kept = (await inspect("rc-guard")).body;
  assert.equal(kept.Id, original.id);
  assert.equal(kept.State.Running, true);
  assert.deepEqual(await names(), ["rc-guard"]);
  await c.delete(`${base()}/rc-guard?force=true`, as("operator"));
});

test("an agent killed half-way (once the original is set aside: its rename answered or not, or during its stop) leaves both visible; the next recreate of the original finishes", async () => {
  // The original ignores SIGTERM, so its stop takes the 10 s grace: the agent dies in that window.
  const original = await run({ name: "rc-crash", cmd: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"] });
  const aside = `rc-crash_gantry_old_${original.id.slice(0, 12)}`;
  const pending = api(f.cp).post(`${base()}/rc-crash/recreate`, { image: f.image, cmd: ["sleep", "303"] }, as("operator"));
  await waitFor("the original set aside", async () => (await f.docker(["ps", "-a", "--format", "{{.Names}}"])).split("\n").includes(aside), 10_000, 50);
  await f.agent.kill();
  const r = await pending;
  assert.ok(r.status === 409 || r.status === 503, JSON.stringify(r.body));
  assert.match(r.body.error.message, new RegExp(`nothing was removed — the original is kept as ${aside} \\(it was rc-crash\\)`));
  await f.restartAgent("SIGKILL");
  await waitFor("the host back online", async () => (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}`)).body?.status === "online", 30_000);
  // The page and the list: the original under its aside name, nothing lost.
  assert.deepEqual(await names(), [aside]);
  const fleet = await waitFor("the aside name in the inventory", async () => {
    const l = await api(f.cp).get(`/api/v1/containers?host=${f.hostId}&name=rc-crash`, as("viewer"));
    return l.body.items?.some((c: { name: string }) => c.name === aside) && l.body.items;
  });
  assert.equal(fleet.length, 1);
  // Recreating the original by its aside name (the Edit its page offers) gives it back its name.
  const again = await api(f.cp).post(`${base()}/${original.id}/recreate`, { image: f.image, cmd: ["sleep", "303"] }, as("operator"));
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.body.name, "rc-crash");
  assert.deepEqual(again.body.replaced, { id: original.id, name: "rc-crash", removed: true });
  assert.deepEqual(await names(), ["rc-crash"]);
  await api(f.cp).delete(`${base()}/rc-crash?force=true`, as("operator"));
});
