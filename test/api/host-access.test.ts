// What the control plane may make a host do, against a real control plane and agent on one machine (the agent told
// where the control plane's data is, as `npm run up` does): bind mounts and host namespaces need containers.host-access
// (an operator's attempt is a 403 naming the field, nothing is created, the activity record shows it); the agent
// refuses binds of the control plane's keys, its own state and system directories (symlinks resolved) even for an
// admin; pulls may not reach the host's own loopback; secret env values are withheld from those who cannot read logs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, userSession } from "../support/session";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { WITHHELD } from "@/lib/containers/secret-env";

let f: FleetHost;
let agentRoot: string;
const tokens: Record<string, string> = {};
const cookies: Record<string, string> = {};
const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
const work = realpathSync(mkdtempSync(join(tmpdir(), "gantry-host-access-")));
const shared = join(work, "shared");

before(async () => {
  f = await startFleetHost("gha",
    { agentEnv: ({ cp, root }) => ((agentRoot = root), { GANTRY_DATA: cp.dataDir }) },
  );
  for (const role of ["admin", "operator", "viewer"] as const) {
    const { cookie } = await userSession(f.cp, f.ownerCookie, role);
    cookies[role] = cookie;
    tokens[role] = (await api(f.cp, cookie).post("/api/v1/tokens", { name: role })).body.token;
  }
  const { mkdirSync } = await import("node:fs");
  mkdirSync(shared);
  writeFileSync(join(shared, "hello.txt"), "hello from the host\n");
  symlinkSync("/etc", join(work, "to-etc"));
});

after(async () => {
  await f?.destroy();
  rmSync(work, { recursive: true, force: true });
});

const base = () => `/api/v1/hosts/${f.hostId}/containers`;
const names = async () => ((await api(f.cp).get(`${base()}?all=true`, as("viewer"))).body as Array<{ name: string }>).map((c) => c.name);
const hostAccessRows = async () =>
  ((await api(f.cp, f.ownerCookie).get("/api/v1/activity?action=containers.host-access&pageSize=50")).body.items as Array<{
    outcome: string;
    userEmail: string;
    tokenId: string | null;
    target: string;
    details: { hostId: number; fields: Array<{ path: string; value: string }> };
  }>);

async function ndjson(res: Response): Promise<any[]> {
  const text = await res.text();
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

test("an operator's bind mount or host network is a 403 naming the field; nothing is created; the activity record shows the attempt", async () => {
  const c = api(f.cp);
  const bind = await c.post(base(), { image: f.image, name: "ha-op-bind", cmd: ["true"], network: "none", volumes: [{ source: "cache", target: "/c" }, { source: shared, target: "/data" }] }, as("operator"));
  assert.equal(bind.status, 403, JSON.stringify(bind.body));
  assert.equal(bind.body.error.code, "forbidden");
  assert.match(bind.body.error.message, /containers\.host-access/);
  assert.match(bind.body.error.message, new RegExp(`volumes\\.1\\.source \\("${shared}"\\) is a host path \\(a bind mount\\)`));
  assert.deepEqual(bind.body.error.details.map((d: { path: string }) => d.path), ["volumes.1.source"]);

  const net = await c.post(base(), { image: f.image, name: "ha-op-net", cmd: ["true"], network: "host" }, as("operator"));
  assert.equal(net.status, 403, JSON.stringify(net.body));
  assert.match(net.body.error.message, /network \("host"\) is the host's network namespace/);

  // Refused before the host was asked: no container, not even a created one.
  assert.deepEqual((await names()).filter((n) => n.startsWith("ha-op-")), []);

  const rows = await hostAccessRows();
  const refused = rows.filter((r) => r.outcome === "forbidden" && r.tokenId);
  assert.deepEqual(
    refused.map((r) => r.details.fields.map((x) => `${x.path}=${x.value}`).join(",")).sort(),
    [`network=host`, `volumes.1.source=${shared}`],
  );
  assert.ok(refused.every((r) => r.target === `hosts/${f.hostId}/containers` && r.details.hostId === f.hostId && /^operator-/.test(r.userEmail)));
  // A viewer is refused by containers.manage first; a spec without host fields needs no extra right and leaves no row.
  assert.equal((await c.post(base(), { image: f.image, cmd: ["true"], volumes: [{ source: shared, target: "/d" }] }, as("viewer"))).status, 403);
  const plain = await c.post(base(), { image: f.image, name: "ha-op-plain", cmd: ["true"], network: "none", volumes: [{ source: "ha-vol", target: "/v" }] }, as("operator"));
  assert.equal(plain.status, 201, JSON.stringify(plain.body));
  assert.equal((await hostAccessRows()).length, rows.length);
  assert.equal((await c.delete(`${base()}/ha-op-plain?force=true&volumes=true`, as("operator"))).status, 200);
});

test("an admin binds an allowed host path: the container reads it, and the activity record shows the allowed attempt", async () => {
  const c = api(f.cp);
  const run = await c.post(base(), { image: f.image, name: "ha-admin-ok", cmd: ["cat", "/data/hello.txt"], network: "none", volumes: [{ source: shared, target: "/data", readOnly: true }] }, as("admin"));
  assert.equal(run.status, 201, JSON.stringify(run.body));
  const inspect = await c.get(`${base()}/ha-admin-ok`, as("admin"));
  assert.deepEqual(
    inspect.body.Mounts.map((m: { Type: string; Source: string; Destination: string; RW: boolean }) => [m.Type, m.Source, m.Destination, m.RW]),
    [["bind", shared, "/data", false]],
  );
  let lines: Array<{ line?: string }> = [];
  for (let i = 0; i < 50 && !lines.some((l) => l.line === "hello from the host"); i++) {
    lines = await ndjson(await fetch(`${f.cp.url}${base()}/ha-admin-ok/logs?tail=all`, { headers: as("admin") }));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(lines.some((l) => l.line === "hello from the host"), JSON.stringify(lines));
  const allowed = (await hostAccessRows()).find((r) => r.outcome === "ok" && /^admin-/.test(r.userEmail));
  assert.deepEqual(allowed?.details.fields, [{ path: "volumes.0.source", value: shared }]);
  assert.equal((await c.delete(`${base()}/ha-admin-ok?force=true`, as("admin"))).status, 200);
});

test("the agent refuses an admin's bind of the control plane's keys, its own state, /etc and a symlink to /etc", async () => {
  const keys = join(f.cp.dataDir, "keys");
  assert.ok(existsSync(keys), "the control plane keeps its keys under GANTRY_DATA/keys");
  const cases: Array<[string, string, RegExp]> = [
    ["ha-keys", keys, /inside the control plane's data \(GANTRY_DATA\)/],
    ["ha-root", agentRoot, /is the agent's state \(GANTRY_ROOT\)/],
    ["ha-cred", join(agentRoot, "agent"), /inside the agent's state/],
    ["ha-etc", "/etc", /is the system directory \/etc/],
    ["ha-shadow", "/etc/shadow", /inside the system directory \/etc/],
    ["ha-link", join(work, "to-etc"), /\(which resolves to \/etc\).*system directory \/etc/],
    ["ha-parent", work.split("/").slice(0, 2).join("/"), /holds the agent's state/],
  ];
  for (const [name, source, why] of cases) {
    const r = await api(f.cp).post(base(), { image: f.image, name, cmd: ["true"], network: "none", volumes: [{ source, target: "/x", readOnly: true }] }, as("admin"));
    assert.equal(r.status, 400, `${source}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, /^volumes\.0\.source: this host refuses to bind /, source);
    assert.match(r.body.error.message, why, source);
  }
  assert.deepEqual((await names()).filter((n) => cases.some(([c]) => c === n)), [], "nothing was created");
});

test("pulls the control plane asks for may not reach the host's loopback; the allowed test registry still pulls", async () => {
  let connections = 0;
  const server: Server = createServer((s) => (connections++, s.destroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    for (const ref of [`127.0.0.1:${port}/probe:v1`, `localhost:${port}/probe`, `[::1]:${port}/probe`, `0.0.0.0:${port}/probe`]) {
      const res = await fetch(`${f.cp.url}/api/v1/hosts/${f.hostId}/images/pull`, { method: "POST", headers: { ...as("operator"), "content-type": "application/json" }, body: JSON.stringify({ ref }) });
      const body = (await res.json()) as { error: { message: string } };
      assert.equal(res.status, 400, `${ref}: ${JSON.stringify(body)}`);
      assert.match(body.error.message, /this host refuses to pull from .*loopback.*GANTRY_ALLOWED_LOOPBACK_REGISTRIES/, ref);
    }
    assert.equal(connections, 0, "the agent never connected to its loopback");
  } finally {
    server.close();
  }
  const ok = await fetch(`${f.cp.url}/api/v1/hosts/${f.hostId}/images/pull`, { method: "POST", headers: { ...as("operator"), "content-type": "application/json" }, body: JSON.stringify({ ref: f.image }) });
  assert.equal(ok.status, 200);
  assert.deepEqual((await ndjson(ok)).at(-1), { end: true });
});

test("inspect withholds secret env values from a viewer (API and container page) and not from an operator", async () => {
  const c = api(f.cp);
  const run = await c.post(base(), { image: f.image, name: "ha-env", cmd: ["sleep", "300"], network: "none", env: { API_TOKEN: "tok-s3cr3t-123", GREETING: "hello there", DATABASE_URL: "postgres://app:pg-s3cr3t-456@db:5432/app" } }, as("operator"));
  assert.equal(run.status, 201, JSON.stringify(run.body));
  const env = async (role: string) => (await c.get(`${base()}/ha-env`, as(role))).body.Config.Env as string[];
  const viewerEnv = await env("viewer");
  assert.ok(viewerEnv.includes(`API_TOKEN=${WITHHELD}`), viewerEnv.join("\n"));
  assert.ok(viewerEnv.includes("GREETING=hello there"));
  assert.ok(!JSON.stringify(viewerEnv).includes("tok-s3cr3t-123"));
  // A secret in a value, whatever the variable is called (it was handed to every viewer: masking looked at names only).
  assert.ok(viewerEnv.includes(`DATABASE_URL=${WITHHELD}`), viewerEnv.join("\n"));
  assert.ok((await env("operator")).includes("API_TOKEN=tok-s3cr3t-123"));

  const page = async (role: string) => (await fetch(`${f.cp.url}/hosts/${f.hostId}/containers/ha-env`, { headers: { cookie: cookies[role]! } })).text();
  const viewerPage = await page("viewer");
  assert.match(viewerPage, /GREETING/);
  assert.ok(!viewerPage.includes("tok-s3cr3t-123"), "the page sent to a viewer does not hold the secret");
  assert.ok(!viewerPage.includes("pg-s3cr3t-456"), "nor the password in a URL");
  assert.ok((await page("operator")).includes("tok-s3cr3t-123"), "an operator's page holds it (masked on screen until revealed)");
  assert.equal((await c.delete(`${base()}/ha-env?force=true`, as("operator"))).status, 200);
});
