// What a malicious or broken agent sends cannot steer or break the pages: a container id made to climb out of the URL
// ("../../users") renders a link that stays under the container path (read from the server-rendered HTML and resolved
// as a browser does), and a malformed command result shows a clear error on the container page, not a crash.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn } from "../support/session";
import { fakeContainer, startFakeAgent, type FakeAgent } from "../support/fake-agent";

let cp: ControlPlane;
let cookie: string;
let agent: FakeAgent;

before(async () => {
  cp = await startControlPlane();
  const owner = await setupOwner(cp);
  cookie = await signIn(cp, owner.email, owner.password);
  agent = await startFakeAgent(cp.url, cookie);
});

after(async () => {
  agent?.close();
  await cp?.destroy();
});

const decode = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");

/** The href of the container's link (first cell) in its server-rendered row, or null when it has none. */
function rowHref(html: string, name: string): string | null {
  const start = html.indexOf(`data-testid="container-row-${name}"`);
  assert.ok(start >= 0, `no row for ${name} in the page`);
  // The name cell (the first is the bulk-select checkbox for those who may manage containers).
  const nameCell = html.indexOf('data-col="name"', start);
  const cell = html.slice(nameCell, html.indexOf("</td>", nameCell));
  const m = /<a [^>]*href="([^"]*)"/.exec(cell);
  return m ? decode(m[1]!) : null;
}

test("container ids that try to climb out of the URL give links that stay under the container path", async () => {
  const ids = ["../../users", "x/../../users", "..%2F..%2Fusers", "?tab=x#y"];
  const containers = [...ids.map((id, i) => fakeContainer({ id, name: `climb-${i}` })), fakeContainer({ id: "..", name: "dots" })];
  assert.deepEqual(await agent.send("inventory.page", { syncId: "s1", index: 0, last: true, containers, images: [] }), { ok: true });

  const page = await api(cp, cookie).get(`/containers?host=${agent.hostId}`);
  assert.equal(page.status, 200);
  const html = page.body as string;
  const base = `/hosts/${agent.hostId}/containers/`;
  for (const [i, id] of ids.entries()) {
    const href = rowHref(html, `climb-${i}`);
    assert.ok(href, `climb-${i} has a link`);
    // Resolved as a browser resolves it (WHATWG URL): one segment under the container path, naming the id.
    const url = new URL(href, cp.url);
    assert.ok(url.pathname.startsWith(base), `${id} → ${href} → ${url.pathname}`);
    assert.equal(decodeURIComponent(url.pathname.slice(base.length)), id, `${href} names the container it was made for`);
    assert.equal(url.search + url.hash, "");
  }
  // ".." cannot be a path segment at all (browsers resolve even %2E%2E): the name is shown without a link.
  assert.equal(rowHref(html, "dots"), null);
});

test("a malformed inspect result from the agent gives the container page a clear error, and the API a reason", async () => {
  agent.onCommand((req) =>
    req.command.kind === "container.inspect" ? { id: req.id, ok: true, result: { Id: 42, State: "running", Config: { Labels: ["not", "a", "map"] } } } : { id: req.id, ok: false, error: { code: "not_found", message: "no such container" } },
  );
  const page = await api(cp, cookie).get(`/hosts/${agent.hostId}/containers/climb-0`);
  assert.equal(page.status, 200, "the page renders");
  const text = decode(page.body as string);
  assert.match(text, /Could not read the container: host \d+ \(fake-agent\) sent a malformed container\.inspect result \(Id: [^)]*\)/);

  const viaApi = await api(cp, cookie).get(`/api/v1/hosts/${agent.hostId}/containers/climb-0`);
  assert.equal(viaApi.status, 500);
  assert.match(viaApi.body.error.message, /malformed container\.inspect result \(Id: .*State: .*Config\.Labels: /);

  // A result of the right shape still goes through untouched.
  agent.onCommand((req) => ({ id: req.id, ok: true, result: { Id: "abc123", Name: "/fine", State: { Status: "exited", Running: false }, Config: { Labels: null, Env: null }, Mounts: null } }));
  const fine = await api(cp, cookie).get(`/api/v1/hosts/${agent.hostId}/containers/fine`);
  assert.equal(fine.status, 200, JSON.stringify(fine.body));
  assert.equal(fine.body.Config.Labels, null);
  const rendered = await api(cp, cookie).get(`/hosts/${agent.hostId}/containers/fine`);
  assert.equal(rendered.status, 200);
  assert.match(rendered.body as string, /fine/);
});
