// The fleet container list and the container page as a user meets them, in Debian's Chromium against a real control
// plane, agent and busybox containers: containers run through the API are listed with their host, image, state and
// ports; filters, sort and paging live in the URL; a container stopped through the API flips state in the open page
// without a reload. The container page shows inspect data with a secret env value masked until revealed, the port,
// the mount and the network, live CPU and memory figures; stop asks first, remove goes back to the list; an unknown
// container says so; a viewer sees no actions, logs or terminal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser } from "../support/browser";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { freePort } from "../support/ports";

let f: FleetHost;
let browser: Browser;
let viewerCookie: string;
/** Uncaught errors in any page: none is expected. */
const pageErrors: string[] = [];
const mountDir = mkdtempSync(join(tmpdir(), "gantry-cu-mount-"));

before(async () => {
  [f, browser] = await Promise.all([
    startFleetHost("gcu"),
    launchBrowser(),
  ]);
  viewerCookie = (await userSession(f.cp, f.ownerCookie, "viewer")).cookie;
});

after(async () => {
  await browser?.close();
  await f?.destroy();
  rmSync(mountDir, { recursive: true, force: true });
});

async function signedInPage(cookie: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addCookies(
    cookie.split(/;\s*/).filter(Boolean).map((c) => {
      const eq = c.indexOf("=");
      return { name: c.slice(0, eq), value: c.slice(eq + 1), url: f.cp.url };
    }),
  );
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

async function run(spec: Record<string, unknown>): Promise<string> {
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, ...spec });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

const rowNames = (page: Page) => page.locator('tbody tr[data-testid^="container-row-"] td[data-col="name"] a').allTextContents();

test("list: containers from the API appear; name, state and page in the URL; a stop through the API shows live", async () => {
  const port = await freePort();
  const web1 = await run({ name: "cu-web-1", cmd: ["sleep", "600"], ports: [{ container: 80, host: port, hostIp: "127.0.0.1" }], labels: { tier: "web" } });
  await run({ name: "cu-web-2", cmd: ["sleep", "600"], labels: { tier: "web" } });
  await run({ name: "cu-web-3", cmd: ["sleep", "600"], network: "none" });
  await run({ name: "cu-job", cmd: ["true"], network: "none" });
  await waitFor("cu-job exited in the inventory", async () => (await api(f.cp, f.ownerCookie).get(`/api/v1/containers?name=cu-job&state=exited`)).body.total === 1);

  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/containers`);
  await page.getByRole("heading", { name: "Containers", exact: true }).waitFor();
  await page.locator('[data-live="live"]').waitFor();
  assert.deepEqual(await rowNames(page), ["cu-job", "cu-web-1", "cu-web-2", "cu-web-3"]);
  const row1 = page.getByTestId("container-row-cu-web-1");
  assert.equal(await row1.getByRole("link", { name: "cu-web-1" }).getAttribute("href"), `/hosts/${f.hostId}/containers/${web1}`);
  assert.equal(await row1.locator(`a[href="/hosts/${f.hostId}"]`).count(), 1, "the host links to its page");
  assert.equal(await row1.locator("[data-state]").getAttribute("data-state"), "running");
  await row1.getByText(f.image).waitFor();
  await row1.getByText(`127.0.0.1:${port}→80/tcp`).waitFor();
  await row1.getByText(/^Up \d+ s$/).waitFor();
  await page.getByTestId("container-row-cu-job").getByText(/^Exited \(0\)/).waitFor();
  await page.getByRole("link", { name: "Run a container" }).waitFor();

  // Name filter: typed, applied, in the URL.
  await page.getByLabel("Name", { exact: true }).fill("cu-web");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL(/\/containers\?name=cu-web$/);
  await waitFor("three web rows", async () => (await rowNames(page)).length === 3);
  assert.equal(await page.getByTestId("containers-total").textContent(), "3 containers match");

  // State filter, sorted newest first.
  await page.getByLabel("Name", { exact: true }).fill("");
  await page.getByLabel("State").selectOption("exited");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL(/\/containers\?state=exited$/);
  await waitFor("only the exited one", async () => JSON.stringify(await rowNames(page)) === JSON.stringify(["cu-job"]));
  await page.goto(`${f.cp.url}/containers?label=tier%3Dweb&sort=-name`);
  assert.deepEqual(await rowNames(page), ["cu-web-2", "cu-web-1"]);
  assert.equal(await page.getByLabel("Label").inputValue(), "tier=web", "the form shows the URL's filters");

  // Host filter: this host's id in the URL, and its containers.
  await page.getByLabel("Host").selectOption(String(f.hostId));
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL(new RegExp(`/containers\\?host=${f.hostId}&label=tier%3Dweb&sort=-name$`));
  assert.deepEqual(await rowNames(page), ["cu-web-2", "cu-web-1"]);
  await page.goto(`${f.cp.url}/containers?host=999999`);
  assert.equal(await page.getByTestId("containers-empty").textContent(), "No container matches these filters.");

  // Paging: two per page over three web containers.
  await page.goto(`${f.cp.url}/containers?name=cu-web&pageSize=2`);
  assert.deepEqual(await rowNames(page), ["cu-web-1", "cu-web-2"]);
  assert.equal(await page.getByTestId("containers-page").textContent(), "Page 1 of 2");
  assert.equal(await page.getByTestId("containers-range").textContent(), "1–2 of 3");
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Next" }).click();
  await page.waitForURL(/\/containers\?name=cu-web&page=2&pageSize=2$/);
  await waitFor("page 2", async () => JSON.stringify(await rowNames(page)) === JSON.stringify(["cu-web-3"]));
  assert.equal(await page.getByTestId("containers-range").textContent(), "3–3 of 3");
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Previous" }).click();
  await page.waitForURL(/\/containers\?name=cu-web&pageSize=2$/);

  // Live: stopping cu-web-2 through the API flips its badge in this page, with no reload.
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  await page.locator('[data-testid="container-row-cu-web-2"] [data-state="running"]').waitFor();
  const stop = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers/cu-web-2/actions`, { action: "stop", timeoutSeconds: 1 });
  assert.equal(stop.status, 200, JSON.stringify(stop.body));
  await page.locator('[data-testid="container-row-cu-web-2"] [data-state="exited"]').waitFor({ timeout: 15_000 });
  // And a container run meanwhile joins the filtered view (page 2 now holds two).
  await run({ name: "cu-web-0", cmd: ["sleep", "600"], network: "none" });
  await waitFor("cu-web-0 listed first", async () => (await rowNames(page))[0] === "cu-web-0", 15_000);
  assert.equal(await page.getByTestId("containers-page").textContent(), "Page 1 of 2");
  assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, "the page was not reloaded");

  // A bad parameter in a hand-edited URL: the whole list, and a word about it.
  await page.goto(`${f.cp.url}/containers?sort=sideways`);
  await page.getByRole("alert").getByText("Some filters in the address were not understood; showing all containers.").waitFor();
  await page.goto(`${f.cp.url}/containers?name=nothing-like-this`);
  assert.equal(await page.getByTestId("containers-empty").textContent(), "No container matches these filters.");
  await page.context().close();
});

test("container page: inspect data, masked secret revealed on click, port, mount, network, live figures; stop asks, remove returns to the list", async () => {
  const port = await freePort();
  const id = await run({
    name: "cu-detail",
    cmd: ["sleep", "600"],
    env: { DB_PASSWORD: "hunter2-secret", GREETING: "hello there" },
    ports: [{ container: 8080, host: port, hostIp: "127.0.0.1" }],
    volumes: [{ source: mountDir, target: "/data", readOnly: true }],
    labels: { team: "core" },
    memoryBytes: 64 * 1024 * 1024,
    restartPolicy: { name: "on-failure", maxRetries: 3 },
  });
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/cu-detail`);
  await page.getByRole("heading", { name: /^cu-detail/ }).waitFor();
  assert.equal(await page.getByTestId("container-state").getAttribute("data-state"), "running");
  assert.equal(await page.getByTestId("container-id").textContent(), id);
  assert.match((await page.getByTestId("container-image").textContent())!, new RegExp(f.image.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.equal(await page.getByTestId("container-command").textContent(), "sleep 600");
  assert.match((await page.getByTestId("container-restarts").textContent())!, /^0 · restart policy: on-failure \(at most 3\)$/);
  assert.equal(await page.getByTestId("limit-memory").textContent(), "64.0 MiB");

  // Env: the secret is masked until revealed, the rest in plain text.
  const secret = page.getByTestId("env-value-DB_PASSWORD");
  assert.equal(await secret.textContent(), "••••••••");
  assert.equal(await page.getByTestId("env-value-GREETING").textContent(), "hello there");
  assert.equal(await page.getByText("hunter2-secret").count(), 0);
  await page.getByRole("button", { name: "Reveal DB_PASSWORD" }).click();
  assert.equal(await secret.textContent(), "hunter2-secret");
  await page.getByRole("button", { name: "Hide DB_PASSWORD" }).click();
  assert.equal(await secret.textContent(), "••••••••");

  // Port, mount, network, label.
  assert.equal(await page.getByTestId("port-8080/tcp").locator("td").nth(1).textContent(), `127.0.0.1:${port}`);
  const mount = page.getByTestId("mount-/data");
  await mount.getByText(mountDir).waitFor();
  await mount.getByText("read-only").waitFor();
  const net = await page.locator('[data-testid^="network-"] td').nth(1).textContent();
  // An address of the host's default bridge subnet (10.x.0.0/16, chosen per run).
  const prefix = f.network.subnet.split(".").slice(0, 2).join("\\.");
  assert.match(net!, new RegExp(`^${prefix}\\.\\d+\\.\\d+/16$`));
  await page.getByTestId("label-team").getByText("core").waitFor();

  // Live figures from the stats stream.
  await page.getByTestId("container-cpu").getByText(/^\d+(\.\d)? %$/).waitFor({ timeout: 20_000 });
  assert.match((await page.getByTestId("container-memory").textContent())!, /^[\d.]+ [KMG]?i?B of 64\.0 MiB$/);
  const cpuPath = page.locator("figure", { has: page.locator('[data-series="CPU"]') }).locator("path");
  await waitFor("the CPU chart draws a line", async () => /L/.test((await cpuPath.getAttribute("d")) ?? ""), 20_000);

  // Links for an operator: logs and terminal.
  assert.equal(await page.getByRole("link", { name: "View logs" }).getAttribute("href"), `/logs?c=${encodeURIComponent(`${f.hostId}:cu-detail`)}`);
  assert.equal(await page.getByRole("link", { name: "Open terminal" }).getAttribute("href"), `/hosts/${f.hostId}/containers/cu-detail/terminal`);

  // Live: paused and unpaused through the API, the page follows without a reload.
  await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers/cu-detail/actions`, { action: "pause" });
  await page.locator('[data-testid="container-state"][data-state="paused"]').waitFor({ timeout: 15_000 });
  await page.getByRole("group", { name: "Container actions" }).getByRole("button", { name: "Unpause" }).click();
  await page.locator('[data-testid="container-state"][data-state="running"]').waitFor({ timeout: 15_000 });

  // Stop asks first; Cancel leaves it running; confirmed with a 1 s grace period it stops.
  const actions = page.getByRole("group", { name: "Container actions" });
  await actions.getByRole("button", { name: "Stop", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Stop cu-detail?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await page.getByTestId("container-state").getAttribute("data-state"), "running");
  await actions.getByRole("button", { name: "Stop", exact: true }).click();
  await dialog.getByLabel("Grace period (seconds)").fill("1");
  await dialog.getByRole("button", { name: "Stop container" }).click();
  await page.locator('[data-testid="container-state"][data-state="exited"]').waitFor({ timeout: 15_000 });
  assert.equal(await page.getByRole("link", { name: "Open terminal" }).count(), 0, "no terminal for a stopped container");
  await page.getByTestId("container-stats-state").getByText("The container is not running: no new figures.").waitFor();

  // Start again (no confirmation), then remove: forced, back to the list, the row gone.
  await actions.getByRole("button", { name: "Start", exact: true }).click();
  await page.locator('[data-testid="container-state"][data-state="running"]').waitFor({ timeout: 15_000 });
  await actions.getByRole("button", { name: "Remove", exact: true }).click();
  const rm = page.getByRole("dialog", { name: "Remove cu-detail?" });
  await rm.getByRole("button", { name: "Remove container" }).click();
  // A running container without Force: the host's refusal, in its words, and nothing removed.
  await rm.getByRole("alert").getByText(/^Could not remove cu-detail: .*running/i).waitFor();
  await rm.getByLabel("Force: kill it first if it is running").check();
  await rm.getByRole("button", { name: "Remove container" }).click();
  await page.waitForURL(`${f.cp.url}/containers`);
  await page.getByRole("heading", { name: "Containers", exact: true }).waitFor();
  await page.getByTestId("container-row-cu-web-1").waitFor();
  assert.equal(await page.getByTestId("container-row-cu-detail").count(), 0);
  assert.equal((await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}/containers/cu-detail`)).status, 404);

  // The removed container's page, and an unknown one, say so.
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/${id}`);
  await page.getByRole("heading", { name: "Container not found" }).waitFor();
  await page.getByText(`There is no container ${id} on`).waitFor();
  await page.getByRole("link", { name: "All containers" }).waitFor();
  await page.context().close();
});

test("container page: a viewer reads it, with the secret masked, but sees no actions, logs or terminal", async () => {
  await run({ name: "cu-view", cmd: ["sleep", "600"], env: { API_TOKEN: "tok-123" }, network: "none" });
  const page = await signedInPage(viewerCookie);
  await page.goto(`${f.cp.url}/containers?name=cu-view`);
  await page.getByTestId("container-row-cu-view").getByRole("link", { name: "cu-view" }).click();
  await page.getByRole("heading", { name: /^cu-view/ }).waitFor();
  assert.equal(await page.getByTestId("env-value-API_TOKEN").textContent(), "••••••••");
  await page.getByTestId("container-cpu").getByText(/%$/).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByRole("group", { name: "Container actions" }).count(), 0);
  for (const name of ["Start", "Stop", "Restart", "Kill", "Pause", "Remove"]) assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, name);
  assert.equal(await page.getByRole("link", { name: "View logs" }).count(), 0);
  assert.equal(await page.getByRole("link", { name: "Open terminal" }).count(), 0);
  // Removed by someone else while open: the page says so.
  const rm = await api(f.cp, f.ownerCookie).request("DELETE", `/api/v1/hosts/${f.hostId}/containers/cu-view?force=true`);
  assert.equal(rm.status, 200, JSON.stringify(rm.body));
  await page.getByRole("heading", { name: "Container not found" }).waitFor({ timeout: 15_000 });
  await page.getByText("cu-view was removed from").waitFor();
  await page.goto(`${f.cp.url}/containers?name=nothing-like-this`);
  await page.getByTestId("containers-empty").waitFor();
  assert.equal(await page.getByRole("link", { name: "Run a container" }).count(), 0);
  await page.context().close();
});

test("no uncaught errors in any page (hydration included)", () => {
  assert.deepEqual(pageErrors, []);
});
