// Issue 16's pages and UI fixes as a user meets them, in Debian's Chromium against a real control plane and agent:
// API tokens (made with a role and expiry, shown once and copied, working, revoked after asking), join tokens (Add
// host names the host; outstanding ones listed and revoked), networks and volumes of a host (create, connect and
// disconnect, remove, prune, size and users), the activity record in sentences — each as the owner and as a role that
// may not use it. And the bugs: a page a role may not use shows one message, never an HTTP 500; /hosts hydrates
// without a mismatch when the browser's clock is ahead; a container's page highlights Containers; the CPU axis never
// repeats a label; a host's CPUs and memory read as two figures.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser, retryNavigationOnNetworkChange } from "../support/browser";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { freePort } from "../support/ports";
import { gantry } from "../cli/support";

let f: FleetHost;
let browser: Browser;
let viewerCookie: string;
let operatorCookie: string;
let hostName: string;
let subnet: string;
/** Uncaught errors and console errors in any page: none is expected. */
const pageErrors: string[] = [];

before(async () => {
  [f, browser] = await Promise.all([startFleetHost("gup"), launchBrowser()]);
  subnet = freeTestSubnet();
  viewerCookie = (await userSession(f.cp, f.ownerCookie, "viewer")).cookie;
  operatorCookie = (await userSession(f.cp, f.ownerCookie, "operator")).cookie;
  hostName = (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}`)).body.name;
});

after(async () => {
  await browser?.close();
  await f?.destroy();
});

/** A /24 for the test's own network, in a 10.x/16 no route uses, taken from the top of the range (agents' ranges are
 * taken from the bottom: lib test/support/docker-cli.ts freeSubnets). */
function freeTestSubnet(): string {
  const used = new Set([...execFileSync("ip", ["-4", "route"], { encoding: "utf8" }).matchAll(/^10\.(\d+)\./gm)].map((m) => m[1]));
  for (let b = 249; b >= 150; b--) if (!used.has(String(b))) return `10.${b}.5.0/24`;
  throw new Error("no free 10.x.0.0/16 for the test's network");
}

async function contextFor(cookie: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addCookies(
    cookie.split(/;\s*/).filter(Boolean).map((c) => {
      const eq = c.indexOf("=");
      return { name: c.slice(0, eq), value: c.slice(eq + 1), url: f.cp.url };
    }),
  );
  return context;
}

async function signedInPage(cookie: string, errors = pageErrors): Promise<Page> {
  const page = await (await contextFor(cookie)).newPage();
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  // (A refused request the page shows the reason for is logged by the browser as a failed load: expected here.)
  page.on("console", (m) => void (m.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && errors.push(`${page.url()}: console: ${m.text()}`)));
  return page;
}

const navLinks = (page: Page) => page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents();

/** A container that sleeps and ends at once on SIGTERM (a bare `sleep` as PID 1 ignores it, so every stop of one waited
 * out the 10 s grace before its SIGKILL): for the tests whose stops are the UI's, not the grace period's. */
const SLEEPS_UNTIL_TERM = ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"];

async function run(spec: Record<string, unknown>): Promise<string> {
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, ...spec });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

test("API tokens: made with a role and expiry, shown once and copied, it works; revoke asks and stops it; a viewer gets viewer tokens only", async () => {
  const context = await contextFor(f.ownerCookie);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: f.cp.url });
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${f.cp.url}/hosts`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API tokens" }).click();
  await page.waitForURL((u) => u.pathname === "/tokens");
  await page.getByRole("heading", { name: "API tokens", exact: true }).waitFor();

  // An empty name is refused by the server, field named.
  const form = page.getByRole("form", { name: "Create an API token" });
  await form.getByRole("button", { name: "Create token" }).click();
  await form.getByText("name a token so you can recognise it later").waitFor();

  await form.getByLabel("Name").fill("e2e-ci");
  await form.getByLabel("Role").selectOption("operator");
  await form.getByLabel("Expires after").selectOption("7");
  await form.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new API token" });
  const token = (await dialog.getByTestId("new-token").textContent())!.trim();
  assert.match(token, /^gat_[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole("button", { name: "Copy token" }).click();
  await dialog.getByText("Copied to the clipboard.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  await dialog.getByRole("button", { name: "Done" }).click();
  await dialog.waitFor({ state: "hidden" });

  const row = page.getByTestId("token-row-e2e-ci");
  await row.locator('[data-state="active"]').waitFor();
  assert.match((await row.textContent())!, /operator/);
  assert.equal((await page.content()).includes(token), false, "the token is not in the page once the dialog is closed");
  const me = await api(f.cp).get("/api/v1/me", { authorization: `Bearer ${token}` });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.role, "operator");
  const listed = (await api(f.cp, f.ownerCookie).get("/api/v1/tokens")).body.tokens.find((t: { name: string }) => t.name === "e2e-ci");
  const days = (Date.parse(listed.expiresAt) - Date.parse(listed.createdAt)) / 86_400_000;
  assert.ok(Math.abs(days - 7) < 0.01, `expires after ${days} days`);

  // Revoke asks first: Cancel keeps it working; confirmed, it stops at once.
  await row.getByRole("button", { name: "Revoke e2e-ci" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke e2e-ci?" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  assert.equal((await api(f.cp).get("/api/v1/me", { authorization: `Bearer ${token}` })).status, 200);
  await row.getByRole("button", { name: "Revoke e2e-ci" }).click();
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await row.locator('[data-state="revoked"]').waitFor();
  assert.equal((await api(f.cp).get("/api/v1/me", { authorization: `Bearer ${token}` })).status, 401);
  await context.close();

  // The CLI sends people to this page by its name and address.
  const home = mkdtempSync(join(tmpdir(), "gantry-e2e-cli-"));
  try {
    const r = await gantry(home, ["login", f.cp.url]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`"API tokens" page, ${f.cp.url.replace(/[.]/g, "\\.")}/tokens,`));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }

  // A viewer has the page too, and may make tokens no higher than viewer (or `none`: only what role bindings give).
  const vpage = await signedInPage(viewerCookie);
  await vpage.goto(`${f.cp.url}/tokens`);
  const vform = vpage.getByRole("form", { name: "Create an API token" });
  assert.deepEqual(await vform.getByLabel("Role").locator("option").allTextContents(), ["viewer", "none"]);
  assert.equal(await vpage.getByRole("link", { name: "Show everyone's" }).count(), 0);
  await vform.getByLabel("Name").fill("viewer-script");
  await vform.getByRole("button", { name: "Create token" }).click();
  await vpage.getByRole("dialog", { name: "Your new API token" }).getByTestId("new-token").waitFor();
  await vpage.getByRole("dialog", { name: "Your new API token" }).getByRole("button", { name: "Done" }).click();
  await vpage.getByTestId("token-row-viewer-script").locator('[data-state="active"]').waitFor();
  await vpage.context().close();
});

test("join tokens: Add host names the host it makes; outstanding tokens are listed and revoked; others may not see them", async () => {
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Join tokens" }).click();
  await page.waitForURL((u) => u.pathname === "/join-tokens");
  const before = (await api(f.cp, f.ownerCookie).get("/api/v1/join-tokens")).body.joinTokens.length;

  await page.getByRole("button", { name: "Add host" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a host" });
  await dialog.getByTestId("join-command").waitFor();
  await dialog.getByLabel("Host name (optional)").fill("??");
  await dialog.getByRole("button", { name: "Use this name" }).click();
  await dialog.getByText("a host name uses letters, digits, spaces, dots, dashes and underscores").waitFor();
  await dialog.getByLabel("Host name (optional)").fill("edge-e2e");
  await dialog.getByRole("button", { name: "Use this name" }).click();
  await dialog.getByTestId("join-host-as").getByText("The machine joins as edge-e2e.").waitFor();
  const command = (await dialog.getByTestId("join-command").textContent())!.trim();
  assert.match(command, new RegExp(`^gantry-agent --server ${f.cp.url} --token gjt_[A-Za-z0-9_-]{43}$`));
  const token = command.split("--token ")[1]!;
  await dialog.getByRole("button", { name: "Close" }).click();

  // One new outstanding token: the named one (the unnamed one the dialog opened with was revoked when replaced).
  const row = page.getByRole("row").filter({ hasText: "edge-e2e" });
  await row.locator('[data-state="outstanding"]').waitFor();
  const outstanding = (await api(f.cp, f.ownerCookie).get("/api/v1/join-tokens")).body.joinTokens;
  assert.equal(outstanding.length, before + 1, JSON.stringify(outstanding));
  assert.match((await row.textContent())!, new RegExp(f.owner.email.replace(/[.]/g, "\\.")));

  // The machine that runs the command joins under that name (the agents' join endpoint, as gantry-agent calls it).
  const facts = {
    hostname: "some-machine",
    os: { id: "debian", name: "Debian", version: "12", prettyName: "Debian 12" },
    kernel: "6.1",
    arch: "x86_64",
    cpus: 1,
    memoryBytes: 1 << 30,
    disk: { path: "/", totalBytes: 1 << 30, freeBytes: 1 << 29 },
    cgroupVersion: "v2",
    engineVersion: null,
    agentVersion: "0.1.0",
  };
  const joined = await api(f.cp).post("/api/v1/agents/join", { token, facts });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));
  assert.equal(joined.body.name, "edge-e2e");
  await page.reload();
  assert.equal(await page.getByRole("row").filter({ hasText: "edge-e2e" }).count(), 0, "a used token is no longer outstanding");
  await page.getByRole("link", { name: "Show used, expired and revoked too" }).click();
  await page.getByRole("row").filter({ hasText: "edge-e2e" }).locator('[data-state="used"]').waitFor();
  await page.getByRole("link", { name: "Only outstanding" }).click();
  await page.waitForURL((u) => u.pathname === "/join-tokens" && u.search === "");

  // Revoking asks, and the token is refused afterwards.
  const spare = (await api(f.cp, f.ownerCookie).post("/api/v1/join-tokens", { hostName: "spare-e2e" })).body;
  await page.reload();
  await page.getByRole("button", { name: "Revoke the token for spare-e2e" }).click();
  await page.getByRole("dialog", { name: "Revoke this join token?" }).getByRole("button", { name: "Revoke token" }).click();
  await page.getByRole("alert").getByText("Revoked the token for spare-e2e").waitFor();
  await page.getByRole("row").filter({ hasText: "spare-e2e" }).waitFor({ state: "detached" });
  const refused = await api(f.cp).post("/api/v1/agents/join", { token: spare.token, facts });
  assert.equal(refused.status, 410);
  await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${joined.body.hostId}/revoke`);
  await page.context().close();

  for (const cookie of [operatorCookie, viewerCookie]) {
    const other = await signedInPage(cookie);
    await other.goto(`${f.cp.url}/join-tokens`);
    await other.getByTestId("not-allowed").getByText("needs the hosts.join right").waitFor();
    assert.equal((await navLinks(other)).includes("Join tokens"), false);
    await other.context().close();
  }
});

test("networks: create one with a subnet, connect and disconnect a container, remove it; a viewer only reads", async () => {
  await run({ name: "e2e-web", cmd: ["sleep", "600"] });
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Networks" }).click();
  await page.waitForURL((u) => u.pathname === "/networks");
  for (const n of ["bridge", "host", "none"]) await page.getByTestId(`network-row-${n}`).waitFor();
  assert.equal(await page.getByTestId("network-row-bridge").getByRole("button").count(), 0, "built-in networks cannot be removed");

  const form = page.getByRole("form", { name: "Create a network" });
  await form.getByLabel("Name").fill("e2e-net");
  const prefix = subnet.replace(/0\/24$/, "");
  await form.getByLabel("Subnet (optional)").fill(`${prefix}1/24`);
  await form.getByRole("button", { name: "Create network" }).click();
  await form.getByRole("alert").getByText(`has host bits set (did you mean ${subnet}?)`).waitFor();
  await form.getByLabel("Subnet (optional)").fill(subnet);
  await form.getByLabel("Labels (optional)").fill("team=e2e");
  await form.getByRole("button", { name: "Create network" }).click();
  const row = page.getByTestId("network-row-e2e-net");
  await row.getByText(subnet).waitFor();
  await row.getByText(`${prefix}1`, { exact: true }).waitFor();
  await row.getByText("team=e2e").waitFor();

  await row.getByRole("button", { name: "Connect a container to e2e-net" }).click();
  const connect = page.getByRole("dialog", { name: "Connect a container to e2e-net" });
  await connect.getByLabel("Container").selectOption({ label: "e2e-web (running)" });
  await connect.getByRole("button", { name: "Connect" }).click();
  const member = page.getByTestId("network-e2e-net-container-e2e-web");
  await member.getByText(new RegExp(`^${prefix.replace(/\./g, "\\.")}\\d+$`)).waitFor();
  assert.match((await member.getByRole("link", { name: "e2e-web" }).getAttribute("href"))!, new RegExp(`^/hosts/${f.hostId}/containers/[0-9a-f]{64}$`));

  await member.getByRole("button", { name: "Disconnect e2e-web from e2e-net" }).click();
  await page.getByRole("dialog", { name: "Disconnect e2e-web?" }).getByRole("button", { name: "Disconnect" }).click();
  await member.waitFor({ state: "detached" });
  await row.getByRole("button", { name: "Remove e2e-net" }).click();
  await page.getByRole("dialog", { name: "Remove network e2e-net?" }).getByRole("button", { name: "Remove network" }).click();
  await row.waitFor({ state: "detached" });
  await page.context().close();

  const vpage = await signedInPage(viewerCookie);
  await vpage.goto(`${f.cp.url}/networks`);
  await vpage.getByTestId("network-row-bridge").waitFor();
  assert.equal(await vpage.getByRole("form", { name: "Create a network" }).count(), 0);
  assert.equal(await vpage.getByRole("button", { name: /^(Connect|Remove|Disconnect)/ }).count(), 0);
  await vpage.context().close();
});

test("volumes: create with labels; a container's data shows as its size and user; removal in use is refused; prune; a viewer only reads", async () => {
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Volumes" }).click();
  await page.waitForURL((u) => u.pathname === "/volumes");
  const form = page.getByRole("form", { name: "Create a volume" });
  await form.getByLabel("Name").fill("x");
  await form.getByRole("button", { name: "Create volume" }).click();
  await form.getByText("a volume name has at least 2 characters").waitFor();
  await form.getByLabel("Name").fill("e2e-vol");
  await form.getByLabel("Labels (optional)").fill("app=web");
  await form.getByRole("button", { name: "Create volume" }).click();
  const row = page.getByTestId("volume-row-e2e-vol");
  await row.getByText("app=web").waitFor();
  assert.equal(await page.getByTestId("volume-size-e2e-vol").textContent(), "0 B");
  assert.equal(await page.getByTestId("volume-users-e2e-vol").textContent(), "unused");

  await run({ name: "e2e-writer", cmd: ["sh", "-c", "head -c 3072 /dev/zero > /data/blob && sleep 600"], network: "none", volumes: [{ source: "e2e-vol", target: "/data" }] });
  await waitFor("the volume's size on the page", async () => {
    await page.reload();
    return (await page.getByTestId("volume-size-e2e-vol").textContent()) === "3.0 KiB";
  });
  await page.getByTestId("volume-users-e2e-vol").getByRole("link", { name: "e2e-writer" }).waitFor();

  await row.getByRole("button", { name: "Remove e2e-vol" }).click();
  const confirm = page.getByRole("dialog", { name: "Remove volume e2e-vol?" });
  await confirm.getByText("Force: e2e-writer uses it and will lose it").waitFor();
  await confirm.getByRole("button", { name: "Remove volume" }).click();
  await confirm.getByRole("alert").getByText(/volume is in use.*Remove the containers using it first, or tick "Force"/).waitFor();
  await confirm.getByRole("button", { name: "Cancel" }).click();

  await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/volumes`, { name: "e2e-spare" });
  await page.reload();
  await page.getByTestId("volume-row-e2e-spare").waitFor();
  await page.getByRole("button", { name: "Prune unused" }).click();
  const prune = page.getByRole("dialog", { name: "Prune unused volumes?" });
  await prune.getByLabel("Named volumes too (without this, only anonymous ones)").check();
  await prune.getByRole("button", { name: "Prune volumes" }).click();
  await page.getByRole("alert").getByText(/^Pruned 1 volume \(e2e-spare\), freeing 0 B$/).waitFor();
  await page.getByTestId("volume-row-e2e-spare").waitFor({ state: "detached" });
  await row.waitFor();
  await page.context().close();

  const vpage = await signedInPage(viewerCookie);
  await vpage.goto(`${f.cp.url}/volumes`);
  await vpage.getByTestId("volume-row-e2e-vol").waitFor();
  assert.equal(await vpage.getByRole("form", { name: "Create a volume" }).count(), 0);
  assert.equal(await vpage.getByRole("button", { name: /^(Remove|Prune)/ }).count(), 0);
  await vpage.context().close();
});

test("activity: each change in words with names, filtered by area; operators and viewers may not read it", async () => {
  await run({ name: "e2e-act", cmd: ["sleep", "600"], network: "none" });
  const stop = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers/e2e-act/actions`, { action: "stop", timeoutSeconds: 1 });
  assert.equal(stop.status, 200);
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" }).click();
  await page.waitForURL((u) => u.pathname === "/activity");
  const texts = await page.getByTestId("activity-text").allTextContents();
  const me = f.owner.email;
  for (const expected of [
    `${me} stopped container e2e-act on host ${hostName}`,
    `${me} ran container e2e-act from ${f.image} on host ${hostName}`,
    `${me} removed network e2e-net on host ${hostName}`,
    `${me} created volume e2e-vol on host ${hostName}`,
  ]) {
    assert.ok(texts.includes(expected), `"${expected}" in ${JSON.stringify(texts, null, 1)}`);
  }
  assert.equal(texts.filter((t) => /[0-9a-f]{40,}/.test(t)).length, 0, `no long ids: ${JSON.stringify(texts.filter((t) => /[0-9a-f]{40,}/.test(t)))}`);
  assert.equal(texts.filter((t) => /changed the state of/.test(t)).length, 0);

  await page.getByLabel("Show").selectOption("users.");
  await page.waitForURL((u) => u.searchParams.get("action") === "users.");
  await waitFor("only user changes", async () => {
    const t = await page.getByTestId("activity-text").allTextContents();
    return t.length > 0 && t.every((x) => / user /.test(x)) ? t : undefined;
  });
  await page.context().close();

  for (const cookie of [operatorCookie, viewerCookie]) {
    const other = await signedInPage(cookie);
    await other.goto(`${f.cp.url}/activity`);
    await other.getByTestId("not-allowed").getByText("The activity record needs the activity.read right").waitFor();
    assert.equal((await navLinks(other)).includes("Activity"), false);
    await other.context().close();
  }
});

test("a page a role may not use shows the same message, never a server error (/containers/new as a viewer was an HTTP 500)", async () => {
  const gated: Record<string, string[]> = {
    viewer: ["/containers/new", "/users", "/logs", "/join-tokens", "/activity", "/apply"],
    operator: ["/users", "/join-tokens", "/activity"],
  };
  for (const [role, paths] of Object.entries(gated)) {
    const errors: string[] = [];
    const page = await signedInPage(role === "viewer" ? viewerCookie : operatorCookie, errors);
    for (const path of paths) {
      const res = await page.goto(`${f.cp.url}${path}`);
      assert.ok(res && res.status() < 500, `${role} ${path} → ${res?.status()}`);
      const message = page.getByTestId("not-allowed");
      await message.getByText("You may not use this page.").waitFor();
      await message.getByText(`which your role (${role}) does not have. Ask an owner or admin if you need it.`).waitFor();
    }
    assert.deepEqual(errors, [], `${role}: no errors in the page`);
    await page.context().close();
  }
  // The owner, and an operator for the run form, get the pages themselves.
  const op = await signedInPage(operatorCookie);
  await op.goto(`${f.cp.url}/containers/new`);
  await op.getByRole("heading", { name: "Run a container" }).waitFor();
  assert.equal(await op.getByTestId("not-allowed").count(), 0);
  assert.deepEqual(await navLinks(op), ["Hosts", "Containers", "Images", "Networks", "Volumes", "Deployments", "ReplicaSets", "Pods", "Services", "Stacks", "ConfigMaps", "Secrets", "Nodes", "Events", "Fleet map", "Apply YAML", "Logs", "API tokens"]);
  await op.context().close();
  const owner = await signedInPage(f.ownerCookie);
  await owner.goto(`${f.cp.url}/hosts`);
  assert.deepEqual(await navLinks(owner), ["Hosts", "Containers", "Images", "Networks", "Volumes", "Deployments", "ReplicaSets", "Pods", "Services", "Stacks", "ConfigMaps", "Secrets", "Nodes", "Events", "Fleet map", "Apply YAML", "Logs", "Users", "Single sign-on", "Teams", "Join tokens", "Activity", "API tokens"]);
  await owner.context().close();
});

test("/hosts hydrates with the server's text when the browser's clock is ahead (React #418), then follows the browser's clock", async () => {
  const errors: string[] = [];
  const page = await signedInPage(f.ownerCookie, errors);
  // Three minutes ahead: every "last seen" text the browser would write on its own differs from the server's.
  await page.clock.setSystemTime(Date.now() + 180_000);
  for (let i = 0; i < 5; i++) {
    await page.goto(`${f.cp.url}/hosts`);
    await page.locator('[data-live="live"]').first().waitFor();
    const seen = page.getByTestId(`host-row-${f.hostId}`).locator("time");
    // After hydration the clock is the browser's: three minutes since the host was last seen.
    await waitFor("the browser's clock", async () => /^3 min ago$/.test((await seen.textContent()) ?? ""));
  }
  const hydration = errors.filter((e) => /418|[Hh]ydrat|did not match/.test(e));
  assert.deepEqual(hydration, [], "no hydration mismatch");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("\"last seen\" on /hosts and a host's page follows the heartbeats while the page stays open (it counted up from the page's load)", async () => {
  const list = await signedInPage(f.ownerCookie);
  const detail = await signedInPage(f.ownerCookie);
  await Promise.all([list.goto(`${f.cp.url}/hosts`), detail.goto(`${f.cp.url}/hosts/${f.hostId}`)]);
  const seenIn = {
    list: list.getByTestId(`host-row-${f.hostId}`).locator("time"),
    detail: detail.locator("dt", { hasText: /^Last seen$/ }).locator("xpath=following-sibling::dd[1]").locator("time"),
  };
  for (const seen of Object.values(seenIn)) await seen.waitFor();
  // The agent beats every 0.5 s here; the pages re-read their hosts every 10 s. 16 s after the load the text says
  // a heartbeat at most ~6 s old — not the "16 s ago" of the value loaded with the page.
  await new Promise((r) => setTimeout(r, 16_000));
  for (const [where, seen] of Object.entries(seenIn)) {
    const text = (await seen.textContent()) ?? "";
    const m = /^(\d+) s ago$/.exec(text);
    assert.ok(text === "just now" || (m && Number(m[1]) <= 10), `${where}: last seen "${text}"`);
  }
  await list.context().close();
  await detail.context().close();
});

test("images: untagged images are hidden until asked for; prune removes them after asking; a viewer cannot prune", async () => {
  const { makeImage, makeLayer, pushImage } = await import("../support/images");
  const ref = `${f.registry.host}/e2e-dangling:v1`;
  const pull = async () => {
    const res = await fetch(`${f.cp.url}/api/v1/hosts/${f.hostId}/images/pull`, { method: "POST", headers: { cookie: f.ownerCookie, "content-type": "application/json" }, body: JSON.stringify({ ref }) });
    assert.equal(res.status, 200);
    await res.text();
  };
  // The tag moves to a second image: the first is left untagged.
  await pushImage(f.registry.host, "e2e-dangling", "v1", makeImage([await makeLayer([{ name: "a.txt", type: "file", mode: 0o644, body: Buffer.from("a") }])]));
  await pull();
  await pushImage(f.registry.host, "e2e-dangling", "v1", makeImage([await makeLayer([{ name: "b.txt", type: "file", mode: 0o644, body: Buffer.from("b") }])]));
  await pull();
  const images = (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}/images`)).body as Array<{ id: string; repoTags: string[] }>;
  const dangling = images.filter((i) => i.repoTags.length === 0).map((i) => i.id);
  assert.ok(dangling.length >= 1, JSON.stringify(images));

  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/images?host=${f.hostId}`);
  await page.getByTestId(`image-row-${ref}`).waitFor();
  const danglingRows = page.locator(`[data-testid="image-row-${dangling[0]}"]`);
  assert.equal(await danglingRows.count(), 0, "untagged images are hidden by default");
  const toggle = page.getByLabel(/^Show untagged images \(\d+\)$/);
  assert.match((await toggle.locator("xpath=..").textContent())!, new RegExp(`\\(${dangling.length}\\)`));
  await toggle.check();
  await danglingRows.waitFor();

  await page.getByRole("button", { name: "Prune unused images" }).click();
  const dialog = page.getByRole("dialog", { name: "Prune images" });
  await dialog.getByRole("button", { name: "Prune", exact: true }).click();
  await page.getByText(/^Pruned \d+ images?, .* freed$/).waitFor();
  await page.getByText("Show untagged images (0)").waitFor();
  assert.equal(await danglingRows.count(), 0);
  assert.ok(await page.getByTestId(`image-row-${ref}`).isVisible(), "tagged images stay");
  await page.context().close();

  const viewer = await signedInPage(viewerCookie);
  await viewer.goto(`${f.cp.url}/images?host=${f.hostId}`);
  await viewer.getByTestId(`image-row-${ref}`).waitFor();
  assert.equal(await viewer.getByRole("button", { name: "Prune unused images" }).count(), 0);
  await viewer.context().close();
});

test("containers: Duplicate opens the run form filled from a container and runs a copy with its settings; its inspect JSON is on its page", async () => {
  const id = await run({
    name: "e2e-orig",
    cmd: ["sh", "-c", "echo 'a b'; sleep 600"],
    env: { GREETING: "hello there" },
    labels: { team: "blue" },
    memoryBytes: 64 * 1024 * 1024,
    restartPolicy: { name: "on-failure", maxRetries: 3 },
    ports: [{ container: 8080, protocol: "tcp" }],
  });
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/${id}`);
  await page.getByRole("heading", { name: /^e2e-orig/ }).waitFor();
  const json = page.getByTestId("container-inspect-json");
  await json.getByText("Inspect (JSON)").click();
  const raw = JSON.parse((await json.locator("pre").textContent())!);
  assert.equal(raw.Id, id);
  assert.deepEqual(raw.HostConfig.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });

  await page.getByRole("link", { name: "Duplicate" }).click();
  await page.getByRole("heading", { name: "Run a container" }).waitFor();
  await page.getByText(/^Filled from e2e-orig/).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "e2e-orig-copy");
  await page.getByRole("button", { name: "Run container" }).click();
  await page.getByRole("heading", { name: /^e2e-orig-copy/ }).waitFor({ timeout: 60_000 });
  await page.context().close();

  const inspect = async (ref: string) => (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}/containers/${ref}`)).body;
  const [orig, copy] = await Promise.all([inspect("e2e-orig"), inspect("e2e-orig-copy")]);
  assert.notEqual(copy.Id, orig.Id);
  for (const pick of [
    (c: any) => c.Config.Image,
    (c: any) => c.Config.Cmd,
    (c: any) => [...c.Config.Env].sort(),
    (c: any) => c.Config.Labels.team,
    (c: any) => c.HostConfig.Memory,
    (c: any) => c.HostConfig.RestartPolicy,
    (c: any) => Object.keys(c.HostConfig.PortBindings ?? {}),
  ]) assert.deepEqual(pick(copy), pick(orig));
  assert.equal(copy.State.Running, true);
  for (const ref of ["e2e-orig", "e2e-orig-copy"]) await api(f.cp, f.ownerCookie).delete(`/api/v1/hosts/${f.hostId}/containers/${ref}?force=true`);
});

test("containers: Edit opens the run form filled from a container under its own name; run, it replaces the original with the changed settings", async () => {
  const port = await freePort();
  const oldId = await run({ name: "e2e-edit", cmd: SLEEPS_UNTIL_TERM, env: { MODE: "blue" }, memoryBytes: 64 * 1024 * 1024, ports: [{ container: 8080, host: port, hostIp: "127.0.0.1", protocol: "tcp" }] });
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/${oldId}`);
  await page.getByRole("heading", { name: /^e2e-edit/ }).waitFor();
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await page.getByText(/^Filled from e2e-edit: change what you need; it is replaced when you run this\./).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "e2e-edit");
  const replace = page.getByLabel(/^Replace e2e-edit/);
  assert.equal(await replace.isChecked(), true);
  await page.getByLabel(/^Memory/).fill("96m");
  await page.getByRole("button", { name: "Run container" }).click();
  await page.waitForURL((u) => /\/containers\/[0-9a-f]{64}$/.test(u.pathname) && !u.pathname.endsWith(oldId), { timeout: 60_000 });
  await page.getByRole("heading", { name: /^e2e-edit/ }).waitFor();
  await page.context().close();

  const c = api(f.cp, f.ownerCookie);
  assert.equal((await c.get(`/api/v1/hosts/${f.hostId}/containers/${oldId}`)).status, 404, "the original is gone");
  const now = (await c.get(`/api/v1/hosts/${f.hostId}/containers/e2e-edit`)).body;
  assert.notEqual(now.Id, oldId);
  assert.equal(now.HostConfig.Memory, 96 * 1024 * 1024, "the changed setting");
  assert.ok(now.Config.Env.includes("MODE=blue"), "the others kept");
  assert.equal(now.HostConfig.PortBindings?.["8080/tcp"]?.[0]?.HostPort, String(port), "its host port, freed by the original");
  assert.equal(now.State.Running, true);
  await c.delete(`/api/v1/hosts/${f.hostId}/containers/e2e-edit?force=true`);
});

test("at 390 px wide every page fits the screen and every nav link can be reached; no page error or hydration warning on any page over repeated loads", async () => {
  const id = await run({ name: "e2e-narrow", cmd: ["sleep", "600"], network: "none" });
  // Objects for the cluster's detail pages to show (the session cookie speaks /k8s as the pages do).
  const k8s = api(f.cp, f.ownerCookie);
  const origin = { origin: f.cp.url };
  for (const [kind, body] of [
    ["configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "e2e-narrow-cm" }, data: { a: "1" } }],
    ["secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "e2e-narrow-secret" }, stringData: { password: "pw" } }],
  ] as const) {
    const r = await k8s.post(`/k8s/api/v1/namespaces/default/${kind}`, body, origin);
    assert.ok(r.status === 201 || r.status === 409, `${kind}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  await context.addCookies(
    f.ownerCookie.split(/;\s*/).filter(Boolean).map((c) => ({ name: c.slice(0, c.indexOf("=")), value: c.slice(c.indexOf("=") + 1), url: f.cp.url })),
  );
  // Three tabs load the pages side by side (the loads are the same; one tab waits on the server while another renders).
  const TABS = 3;
  const errors: string[] = [];
  const tabs = await Promise.all(Array.from({ length: TABS }, async () => {
    const page = await context.newPage();
    retryNavigationOnNetworkChange(page); // (three loads in flight meet this machine's interface churn more often)
    page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on("console", (m) => void (m.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && errors.push(`${page.url()}: console: ${m.text()}`)));
    return page;
  }));
  // Every page of the app (app/(app)/**/page.tsx — the list below is checked against the files), the detail pages on
  // objects that exist where the test can make them cheaply and on a name that does not otherwise.
  const paths: Record<string, string> = {
    "": "/",
    "/account/sessions": "/account/sessions",
    "/activity": "/activity",
    "/apply": "/apply",
    "/configmaps": "/configmaps",
    "/configmaps/[namespace]/[name]": "/configmaps/default/e2e-narrow-cm",
    "/containers": "/containers",
    "/containers/new": "/containers/new",
    "/deployments": "/deployments",
    "/deployments/[namespace]/[name]": "/deployments/default/e2e-none",
    "/edit": "/edit?apiVersion=v1&kind=ConfigMap&namespace=default&name=e2e-narrow-cm",
    "/events": "/events",
    "/fleet-map": "/fleet-map",
    "/hosts": "/hosts",
    "/hosts/[id]": `/hosts/${f.hostId}`,
    "/hosts/[id]/containers/[cid]": `/hosts/${f.hostId}/containers/${id}`,
    "/hosts/[id]/containers/[cid]/terminal": `/hosts/${f.hostId}/containers/${id}/terminal`,
    "/images": "/images",
    "/join-tokens": "/join-tokens",
    "/logs": "/logs",
    "/networks": "/networks",
    "/nodes": "/nodes",
    "/nodes/[name]": `/nodes/${encodeURIComponent(hostName)}`,
    "/pods": "/pods",
    "/pods/[namespace]/[name]": "/pods/default/e2e-none",
    "/replicasets": "/replicasets",
    "/secrets": "/secrets",
    "/secrets/[namespace]/[name]": "/secrets/default/e2e-narrow-secret",
    "/services": "/services",
    "/services/[namespace]/[name]": "/services/default/kubernetes",
    "/settings/sso": "/settings/sso",
    "/stacks": "/stacks",
    "/stacks/[namespace]/[name]": "/stacks/default/e2e-none",
    "/stacks/new": "/stacks/new",
    "/teams": "/teams",
    "/tokens": "/tokens",
    "/users": "/users",
    "/volumes": "/volumes",
  };
  const { readdirSync } = await import("node:fs");
  const pageFiles = (readdirSync(join(process.cwd(), "app/(app)"), { recursive: true }) as string[])
    .filter((p) => p === "page.tsx" || p.endsWith("/page.tsx"))
    .map((p) => `/${p}`.replace(/\/?page\.tsx$/, ""))
    .sort();
  assert.deepEqual(Object.keys(paths).sort(), pageFiles, "every page of the app is loaded here");
  // Pages whose first paint depends on the time (ages, "last seen") are the ones a clock can break: 20 loads each.
  const timeDependent = new Set(["/", "/hosts", "/containers"]);
  const loads: string[] = [];
  for (const path of Object.values(paths)) for (let i = 0; i < (timeDependent.has(path) ? 20 : 2); i++) loads.push(path);
  const wide = new Set<string>();
  let navChecked = false;
  let next = 0;
  const started = Date.now();
  await Promise.all(tabs.map(async (page) => {
    while (next < loads.length) {
      const path = loads[next++]!;
      await page.goto(`${f.cp.url}${path}`);
      await page.getByRole("navigation", { name: "Main" }).waitFor();
      // Hydration happens after the shell is there: give React its turn before the next load.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) wide.add(`${path}: ${width} px`);
      if (!navChecked && path === "/hosts") {
        navChecked = true;
        for (const link of await page.getByRole("navigation", { name: "Main" }).getByRole("link").all()) {
          const box = (await link.boundingBox())!;
          assert.ok(box.x >= 0 && box.x + box.width <= 390, `nav link ${await link.textContent()} is cut off: ${JSON.stringify(box)}`);
        }
      }
    }
  }));
  console.log(`# ${loads.length} loads in ${((Date.now() - started) / 1000).toFixed(1)} s (${TABS} tabs)`);
  assert.deepEqual([...wide], [], "pages wider than the screen");
  assert.deepEqual(errors.filter((e) => /418|[Hh]ydrat|did not match/.test(e)), [], "no hydration mismatch");
  assert.deepEqual(errors, []);
  await context.close();
  await api(f.cp, f.ownerCookie).delete(`/api/v1/hosts/${f.hostId}/containers/${id}?force=true`);
});

test("theme: light, dark or the system's, chosen in the header and kept across loads; the pages have a favicon", async () => {
  const page = await signedInPage(f.ownerCookie);
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(`${f.cp.url}/hosts`);
  const html = page.locator("html");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const isDark = async () => ((await html.getAttribute("class")) ?? "").split(/\s+/).includes("dark");
  const theme = page.getByRole("combobox", { name: "Theme" });
  assert.equal(await theme.inputValue(), "system");
  await page.locator('[data-live="live"]').first().waitFor(); // hydrated: the toggle's change handler is attached
  assert.equal(await isDark(), false);
  const light = await background();

  await theme.selectOption("dark");
  assert.equal(await isDark(), true);
  assert.notEqual(await background(), light, "the page turns dark");
  await page.reload();
  assert.equal(await isDark(), true, "kept across loads");
  // (The server renders "system"; the stored choice is read once the page has hydrated.)
  await waitFor("the stored choice shown", async () => (await page.getByRole("combobox", { name: "Theme" }).inputValue()) === "dark");

  await page.getByRole("combobox", { name: "Theme" }).selectOption("system");
  assert.equal(await isDark(), false, "the system's (light here)");
  await page.emulateMedia({ colorScheme: "dark" });
  await waitFor("the system's dark", isDark);
  await page.reload();
  assert.equal(await isDark(), true, "the system's dark from the first paint");
  await page.emulateMedia({ colorScheme: "light" });

  const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
  assert.ok(icon, "a favicon link");
  const res = await fetch(new URL(icon!, f.cp.url));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^image\//);
  await page.context().close();
});

test("home: the fleet at a glance — hosts by status, containers by state, a container that failed, disk pressure — each linking to its list", async () => {
  await run({ name: "e2e-fails", cmd: ["sh", "-c", "exit 3"], network: "none" });
  await waitFor("the failed container in the inventory", async () => {
    const r = await api(f.cp, f.ownerCookie).get(`/api/v1/containers?name=e2e-fails&state=exited`);
    return r.body.items?.some((c: { exitCode: number | null }) => c.exitCode === 3);
  });
  const page = await signedInPage(viewerCookie);
  await page.goto(`${f.cp.url}/`);
  await page.getByRole("heading", { name: "Fleet at a glance" }).waitFor();
  const online = page.getByRole("link", { name: /^\d+ online$/ });
  assert.match((await online.getAttribute("aria-label"))!, /^[1-9]\d* online$/);
  assert.equal(await online.getAttribute("href"), "/hosts?status=online");
  const exited = page.getByRole("link", { name: /^\d+ exited$/ });
  assert.match((await exited.getAttribute("aria-label"))!, /^[1-9]\d* exited$/);
  const failure = page.getByTestId("failure-e2e-fails");
  assert.match((await failure.textContent())!, /e2e-fails .* exited with code 3/);
  assert.match((await failure.getByRole("link").getAttribute("href"))!, new RegExp(`^/hosts/${f.hostId}/containers/`));
  await page.getByRole("heading", { name: "Disk pressure" }).waitFor();
  // The product name in the header leads home.
  await page.goto(`${f.cp.url}/hosts`);
  await page.getByRole("link", { name: "Gantry", exact: true }).click();
  await page.waitForURL((u) => u.pathname === "/");
  await page.context().close();
  await api(f.cp, f.ownerCookie).delete(`/api/v1/hosts/${f.hostId}/containers/e2e-fails?force=true`);
});

test("containers: select several (or the whole page) and stop, start or remove them together, after asking; a viewer gets no selection", async () => {
  for (const n of ["e2e-bulk-a", "e2e-bulk-b", "e2e-bulk-c"]) await run({ name: n, cmd: SLEEPS_UNTIL_TERM, network: "none" });
  const state = async (n: string) => (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}/containers/${n}`)).body?.State?.Status as string | undefined;
  await waitFor("three in the inventory", async () => (await api(f.cp, f.ownerCookie).get(`/api/v1/containers?name=e2e-bulk&state=running`)).body.total === 3);
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/containers?name=e2e-bulk`);
  await page.getByTestId("container-row-e2e-bulk-c").waitFor();

  await page.getByLabel("Select e2e-bulk-a").check();
  await page.getByLabel("Select e2e-bulk-b").check();
  assert.equal(await page.getByTestId("containers-selected").textContent(), "2 containers selected");
  const bar = page.getByRole("toolbar", { name: "Selected containers" });
  await bar.getByRole("button", { name: "Stop", exact: true }).click();
  const confirm = page.getByRole("dialog", { name: "Stop 2 containers?" });
  await confirm.getByRole("button", { name: "Stop 2 containers" }).click();
  await page.getByText("Stopped 2 of 2 containers").waitFor({ timeout: 60_000 });
  assert.deepEqual([await state("e2e-bulk-a"), await state("e2e-bulk-b"), await state("e2e-bulk-c")], ["exited", "exited", "running"]);

  await page.getByLabel("Select every container on this page").check();
  assert.equal(await page.getByTestId("containers-selected").textContent(), "3 containers selected");
  await bar.getByRole("button", { name: "Start", exact: true }).click();
  await page.getByText("Started 3 of 3 containers").waitFor({ timeout: 60_000 });
  assert.deepEqual([await state("e2e-bulk-a"), await state("e2e-bulk-b")], ["running", "running"]);

  await page.getByLabel("Select every container on this page").check();
  await bar.getByRole("button", { name: "Remove", exact: true }).click();
  await page.getByRole("dialog", { name: "Remove 3 containers?" }).getByRole("button", { name: "Remove 3 containers" }).click();
  await page.getByText("Removed 3 of 3 containers").waitFor({ timeout: 60_000 });
  await page.getByText("No container matches these filters.").waitFor();
  await page.context().close();

  const viewer = await signedInPage(viewerCookie);
  await viewer.goto(`${f.cp.url}/containers`);
  await viewer.getByRole("heading", { name: "Containers" }).waitFor();
  assert.equal(await viewer.getByLabel(/^Select /).count(), 0);
  await viewer.context().close();
});

test("search: \"/\" or Ctrl-K opens the fleet search from any page; a container found by its label opens with Enter", async () => {
  const id = await run({ name: "e2e-search-target", cmd: ["sleep", "600"], network: "none", labels: { squad: "heron" } });
  await waitFor("in the inventory", async () => (await api(f.cp, f.ownerCookie).get(`/api/v1/containers?name=e2e-search-target`)).body.total === 1);
  const page = await signedInPage(viewerCookie);
  await page.goto(`${f.cp.url}/images`);
  await page.getByRole("heading", { name: "Images" }).waitFor();
  await page.keyboard.press("/");
  const dialog = page.getByRole("dialog", { name: "Search the fleet" });
  await dialog.getByRole("textbox", { name: "Search" }).fill("squad=heron");
  await dialog.getByRole("link", { name: /^e2e-search-target/ }).waitFor();
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => u.pathname === `/hosts/${f.hostId}/containers/${id}`);
  await page.getByRole("heading", { name: /^e2e-search-target/ }).waitFor();

  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: /^Find/ }).click();
  await dialog.getByRole("textbox", { name: "Search" }).waitFor();
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+k");
  await dialog.getByRole("textbox", { name: "Search" }).fill("no-such-thing-anywhere");
  await dialog.getByText(/^Nothing matches/).waitFor();
  await page.keyboard.press("Escape");
  assert.equal(await dialog.isVisible(), false);
  await page.context().close();
  await api(f.cp, f.ownerCookie).delete(`/api/v1/hosts/${f.hostId}/containers/${id}?force=true`);
});

test("a container's page highlights Containers; its CPU axis never repeats a label; hosts show CPUs and memory as two figures", async () => {
  const id = await run({ name: "e2e-cpu", cmd: ["sleep", "600"], network: "none" });
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/${id}`);
  await page.getByRole("heading", { name: /^e2e-cpu/ }).waitFor();
  const nav = page.getByRole("navigation", { name: "Main" });
  assert.equal(await nav.getByRole("link", { name: "Containers" }).getAttribute("aria-current"), "page");
  assert.equal(await nav.getByRole("link", { name: "Hosts" }).getAttribute("aria-current"), null);

  const cpu = page.locator("figure", { has: page.locator('[data-series="CPU"]') });
  await waitFor("the CPU chart draws a line", async () => /L/.test((await cpu.locator("path").getAttribute("d")) ?? ""), 20_000);
  const labels = await cpu.locator("[data-axis-label]").allTextContents();
  assert.ok(labels.length >= 2, JSON.stringify(labels));
  assert.equal(new Set(labels).size, labels.length, `axis labels: ${labels.join(" / ")}`);

  await page.goto(`${f.cp.url}/hosts/${f.hostId}`);
  assert.equal(await nav.getByRole("link", { name: "Hosts" }).getAttribute("aria-current"), "page");
  await page.goto(`${f.cp.url}/hosts`);
  const cells = await page.getByTestId(`host-row-${f.hostId}`).locator("td").allTextContents();
  const figures = cells.find((c) => /CPU/.test(c));
  assert.match(figures ?? "", /^\d+ CPUs? · [\d.]+ [KMGT]iB$/, JSON.stringify(cells));
  assert.equal(cells.some((c) => c.includes("×")), false);
  await page.context().close();
  assert.deepEqual(pageErrors, []);
});

test("the run form offers the offline queue for a host that is away: ticked, the run is queued and says so; not ticked, it names the choice", async () => {
  const pg = (await import("pg")).default;
  const sql = new pg.Client({ connectionString: f.cp.databaseUrl });
  await sql.connect();
  const away = `e2e-away-${Date.now()}`;
  const { rows } = await sql.query(`INSERT INTO "Host" (name, "credentialHash") VALUES ($1, md5(random()::text)) RETURNING id, status::text AS status`, [away]);
  const awayId = rows[0].id as number;
  assert.equal(rows[0].status, "offline");
  try {
    const page = await signedInPage(operatorCookie);
    await page.goto(`${f.cp.url}/containers/new?host=${awayId}`);
    await page.getByRole("heading", { name: "Run a container" }).waitFor();
    await page.getByLabel("Image", { exact: true }).fill(f.image);
    await page.getByRole("button", { name: "Run container" }).click();
    await page.getByText(`${away} is offline: choose an online host, or tick "Queue until the host is back"`).waitFor();
    await page.getByLabel(/^Queue until the host is back/).check();
    await page.getByRole("button", { name: "Run container" }).click();
    await page.getByText(new RegExp(`^Queued: the container will be run when ${away} is back online`)).waitFor();
    await page.context().close();
    const queued = await sql.query(`SELECT status::text AS status FROM "QueuedCommand" WHERE "hostId" = $1`, [awayId]);
    assert.deepEqual(queued.rows.map((r) => r.status), ["queued"]);
  } finally {
    await sql.query(`DELETE FROM "QueuedCommand" WHERE "hostId" = $1`, [awayId]);
    await sql.query(`UPDATE "Host" SET "revokedAt" = now() WHERE id = $1`, [awayId]);
    await sql.end();
  }
});
