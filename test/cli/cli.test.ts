// The `gantry` CLI against a real control plane with a real agent joined: login stores the URL and token (0600),
// hosts lists the fleet as a table or as JSON, and mistakes end with a clear message and a distinct exit code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { startAgent, mintJoinToken, waitFor, type AgentProcess } from "../support/agent";
import { api, setupOwner, signIn, userSession } from "../support/session";
import { gantry } from "./support";

let cp: ControlPlane;
let agent: AgentProcess;
let ownerCookie: string;
let home: string;
let token: string;

before(async () => {
  cp = await startControlPlane();
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
  const joined = await mintJoinToken(cp.url, ownerCookie);
  agent = startAgent({ serverUrl: cp.url, token: joined.token });
  await waitFor("the agent's host online", async () => {
    const r = await api(cp, ownerCookie).get("/api/v1/hosts");
    return r.body.items?.some((h: { status: string }) => h.status === "online");
  }, 60_000);
  const { cookie } = await userSession(cp, ownerCookie, "operator");
  const r = await api(cp, cookie).post("/api/v1/tokens", { name: "cli" });
  token = r.body.token;
  home = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
});

after(async () => {
  await agent?.destroy();
  await cp?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("login checks the token and stores url + token readable by the owner only", async () => {
  const bad = await gantry(home, ["login", cp.url, "--token", "gat_" + "x".repeat(43)]);
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /API token is unknown, expired or revoked/);

  const notUrl = await gantry(home, ["login", "nowhere", "--token", token]);
  assert.equal(notUrl.code, 2);
  assert.match(notUrl.stderr, /not a URL/);

  const ok = await gantry(home, ["login", cp.url, "--token", token]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /logged in to http:\/\/127\.0\.0\.1:\d+ as operator-.* \(operator\)/);
  const path = join(home, ".config/gantry/config.json");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { url: cp.url, token });
});

test("hosts prints a table, or JSON with --json", async () => {
  const t = await gantry(home, ["hosts"]);
  assert.equal(t.code, 0, t.stderr);
  const lines = t.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^ID\s+NAME\s+STATUS\s+LAST SEEN\s+AGENT$/);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /^1\s+\S+\s+online\s+/);

  const j = await gantry(home, ["hosts", "--json"]);
  assert.equal(j.code, 0, j.stderr);
  const hosts = JSON.parse(j.stdout) as Array<{ id: number; status: string }>;
  assert.equal(hosts.length, 1);
  assert.equal(hosts[0]!.status, "online");
});

test("without a login, or with a revoked token, commands say what to do and exit 3", async () => {
  const fresh = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
  try {
    const r = await gantry(fresh, ["hosts"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not logged in: run `gantry login/);
    const unknown = await gantry(fresh, ["hosts", "--bogus"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown flag --bogus/);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  const t = await api(cp, ownerCookie).post("/api/v1/tokens", { name: "short-lived" });
  const other = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
  try {
    assert.equal((await gantry(other, ["login", cp.url, "--token", t.body.token])).code, 0);
    await api(cp, ownerCookie).delete(`/api/v1/tokens/${t.body.apiToken.id}`);
    const r = await gantry(other, ["hosts"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /revoked.*gantry login/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
