// The hosts pages in a real browser (Debian's Chromium): an empty fleet, "Add host" giving a one-line command whose
// token a real agent joins with, the row appearing and changing status without a reload, the detail page with
// rename, server-side paging over many hosts, and a viewer who gets no "Add host".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { launchBrowser } from "../support/browser";
import { setupOwner, signIn, userSession, type TestUser } from "../support/session";
import { startAgent, type AgentProcess } from "../support/agent";

let cp: ControlPlane;
let browser: Browser;
let owner: TestUser;
const agents: AgentProcess[] = [];

before(async () => {
  [cp, browser] = await Promise.all([
    startControlPlane({ env: { GANTRY_HEARTBEAT_STALE_MS: "2500", GANTRY_HEARTBEAT_OFFLINE_MS: "5000" } }),
    launchBrowser(),
  ]);
  owner = await setupOwner(cp);
});
after(async () => {
  await Promise.all(agents.map((a) => a.destroy()));
  await browser?.close();
  await cp?.destroy();
});

async function signedIn(email: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${cp.url}/signin?callbackUrl=%2Fhosts`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/hosts");
  return page;
}

test("add a host from the dialog's command; it appears and changes status live; rename it on its page", async () => {
  const page = await signedIn(owner.email, owner.password);
  await page.getByRole("heading", { name: "Hosts" }).waitFor();
  await page.getByText("No hosts yet").waitFor();
  await page.locator('[data-live="live"]').first().waitFor();

  await page.getByRole("button", { name: "Add host" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a host" });
  const command = (await dialog.getByTestId("join-command").textContent())!;
  assert.match(command, new RegExp(`^gantry-agent --server ${cp.url} --token gjt_[A-Za-z0-9_-]{43}$`));
  const token = command.split("--token ")[1];
  await dialog.getByRole("button", { name: "Close" }).click();

  const a = startAgent({ serverUrl: cp.url, token });
  agents.push(a);
  await a.waitForOutput("connected to");
  const id = Number(/as host (\d+)/.exec(a.output())![1]);
  const row = page.getByTestId(`host-row-${id}`);
  await row.locator('[data-status="online"]').waitFor();
  assert.match((await row.textContent())!, /agent 0\.1\.0/);
  assert.match((await page.getByRole("status").filter({ hasText: "Live" }).first().textContent())!, /Live/);

  // Frozen (no heartbeats, its connection open): stale, then offline as the grace runs out.
  process.kill(a.process.pid!, "SIGSTOP");
  try {
    await row.locator('[data-status="stale"]').waitFor();
    await row.locator('[data-status="offline"]').waitFor();
    await page.getByRole("link", { name: "Offline 1" }).waitFor();
  } finally {
    process.kill(a.process.pid!, "SIGCONT");
  }
  await row.locator('[data-status="online"]').waitFor();
  // Stopped: offline at once, before the stale grace (2.5 s here) could have run out.
  const stoppedAt = Date.now();
  await a.stop();
  await row.locator('[data-status="offline"]').waitFor({ timeout: 2_000 });
  assert.ok(Date.now() - stoppedAt < 2_500);

  const again = startAgent({ serverUrl: cp.url, root: a.root });
  agents.push(again);
  await row.locator('[data-status="online"]').waitFor();

  await row.getByRole("link", { name: `host ${id}` }).click();
  await page.waitForURL((u) => u.pathname === `/hosts/${id}`);
  await page.getByText("Hostname").waitFor();
  await page.getByRole("button", { name: "Rename" }).click();
  const rename = page.getByRole("dialog", { name: `Rename host ${id}` });
  await rename.getByLabel("Name").fill("!!");
  await rename.getByRole("button", { name: "Save" }).click();
  await page.getByRole("alert").getByText(/host name uses letters/).waitFor();
  await rename.getByLabel("Name").fill("edge box");
  await rename.getByRole("button", { name: "Save" }).click();
  await page.getByRole("heading", { name: /edge box/ }).waitFor();
  await page.context().close();
});

test("a viewer sees the fleet but no Add host, and pages through many hosts on the server", async () => {
  const sql = new pg.Client({ connectionString: cp.databaseUrl });
  await sql.connect();
  await sql.query(
    `INSERT INTO "Host" (name, "credentialHash") SELECT 'bulk-' || lpad(i::text, 3, '0'), md5(random()::text) || i FROM generate_series(1, 120) i`,
  );
  await sql.end();
  const ownerCookie = await signIn(cp, owner.email, owner.password);
  const viewer = await userSession(cp, ownerCookie, "viewer");
  const page = await signedIn(viewer.user.email, viewer.user.password);
  await page.getByRole("heading", { name: "Hosts" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Add host" }).count(), 0);
  await page.getByText(/Page 1 of 3/).waitFor();
  assert.equal(await page.locator("tbody tr").count(), 50);

  await page.getByRole("link", { name: "Next" }).click();
  await page.waitForURL((u) => u.searchParams.get("page") === "2");
  await page.getByText(/Page 2 of 3/).waitFor();

  await page.getByLabel("Search hosts by name").fill("bulk-11");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForURL((u) => u.searchParams.get("q") === "bulk-11");
  await page.getByText(/Page 1 of 1/).waitFor();
  assert.equal(await page.locator("tbody tr").count(), 10);
  await page.context().close();
});
