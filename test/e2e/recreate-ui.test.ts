// Edit on a container's page, in Chromium against a real control plane and agent: the run form is filled with every
// setting the container has — the Advanced ones too (working directory, user, host name, healthcheck, more networks) —
// and Run recreates it through POST …/recreate: the changed setting is the new container's and the others are kept.
// A recreate that cannot start (the host port it asks for is held by a second container, on purpose) keeps the
// original running under its name, and the form says why and keeps what was typed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser, signedInPage } from "../support/browser";
import { api } from "../support/session";
import { freePort } from "../support/ports";

let f: FleetHost;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  [f, browser] = await Promise.all([startFleetHost("gre"), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await f?.destroy();
});

const base = () => `/api/v1/hosts/${f.hostId}/containers`;
/** Ends on SIGTERM at once (a bare `sleep` as PID 1 ignores it: each stop would wait its 10 s grace). */
const SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"];

async function run(spec: Record<string, unknown>): Promise<string> {
  const r = await api(f.cp, f.ownerCookie).post(base(), { image: f.image, cmd: SLEEPER, ...spec });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}
const inspect = async (ref: string) => api(f.cp, f.ownerCookie).get(`${base()}/${ref}`);


test("Edit carries workdir, user, host name, healthcheck and more networks, and Run recreates the container with the changed limit", async () => {
  const net = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/networks`, { name: "e2e-rc-extra" });
  assert.equal(net.status, 201, JSON.stringify(net.body));
  const port = await freePort();
  const oldId = await run({
    name: "e2e-rc",
    workdir: "/srv",
    user: "1000:1000",
    hostname: "e2e-rc-host",
    networks: ["e2e-rc-extra"],
    healthcheck: { test: ["CMD-SHELL", "test -d /"], intervalSeconds: 5, retries: 2 },
    memoryBytes: 64 << 20,
    ports: [{ container: 8080, host: port, hostIp: "127.0.0.1" }],
  });
  const page = await signedInPage(browser, f.cp.url, f.ownerCookie, { errors });
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/${oldId}`);
  await page.getByRole("heading", { name: /^e2e-rc/ }).waitFor();
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await page.getByRole("heading", { name: "Run a container" }).waitFor();
  // The Advanced section is open, filled from the container.
  assert.equal(await page.getByLabel("Working directory").inputValue(), "/srv");
  assert.equal(await page.getByLabel("User", { exact: true }).inputValue(), "1000:1000");
  assert.equal(await page.getByLabel("Host name").inputValue(), "e2e-rc-host");
  assert.equal(await page.getByLabel("Health command").inputValue(), "test -d /");
  assert.equal(await page.getByLabel("Interval (s)").inputValue(), "5");
  assert.equal(await page.getByLabel("Retries").inputValue(), "2");
  assert.equal(await page.getByLabel("More network 1").inputValue(), "e2e-rc-extra");
  assert.equal(await page.getByLabel(/^Replace e2e-rc/).isChecked(), true);
  await page.getByLabel(/^Memory/).fill("96m");
  await page.getByRole("button", { name: "Run container" }).click();
  await page.waitForURL((u) => /\/containers\/[0-9a-f]{64}$/.test(u.pathname) && !u.pathname.endsWith(oldId), { timeout: 60_000 });
  await page.getByRole("heading", { name: /^e2e-rc/ }).waitFor();
  await page.context().close();

  assert.equal((await inspect(oldId)).status, 404, "the original is gone");
  const now = (await inspect("e2e-rc")).body;
  assert.notEqual(now.Id, oldId);
  assert.equal(now.HostConfig.Memory, 96 << 20, "the changed setting");
  assert.equal(now.Config.WorkingDir, "/srv");
  assert.equal(now.Config.User, "1000:1000");
  assert.equal(now.Config.Hostname, "e2e-rc-host");
  assert.deepEqual(now.Config.Healthcheck.Test, ["CMD-SHELL", "test -d /"]);
  assert.equal(now.Config.Healthcheck.Interval, 5e9);
  assert.equal(now.Config.Healthcheck.Retries, 2);
  assert.ok(Object.keys(now.NetworkSettings.Networks).includes("e2e-rc-extra"), JSON.stringify(Object.keys(now.NetworkSettings.Networks)));
  assert.equal(now.HostConfig.PortBindings["8080/tcp"][0].HostPort, String(port), "its host port, freed by the original");
  assert.equal(now.State.Running, true);
  const names = ((await api(f.cp, f.ownerCookie).get(`${base()}?all=true`)).body as { name: string }[]).map((c) => c.name);
  assert.deepEqual(names, ["e2e-rc"], "nothing left aside");
  await api(f.cp, f.ownerCookie).delete(`${base()}/e2e-rc?force=true`);
  assert.deepEqual(errors, []);
});

test("Edit whose new host port is held by a second container keeps the original running under its name and says why", async () => {
  const [mine, taken] = [await freePort(), await freePort()];
  const oldId = await run({ name: "e2e-keep", ports: [{ container: 80, host: mine, hostIp: "127.0.0.1" }] });
  await run({ name: "e2e-holder", ports: [{ container: 80, host: taken, hostIp: "127.0.0.1" }] });
  const page = await signedInPage(browser, f.cp.url, f.ownerCookie, { errors });
  await page.goto(`${f.cp.url}/containers/new?host=${f.hostId}&from=${oldId}&edit=1`);
  await page.getByRole("heading", { name: "Run a container" }).waitFor();
  assert.equal(await page.getByLabel("Host port 1").inputValue(), String(mine));
  await page.getByLabel("Host port 1").fill(String(taken));
  await page.getByRole("button", { name: "Run container" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "e2e-keep was not replaced" });
  await alert.waitFor({ timeout: 60_000 });
  const text = (await alert.textContent()) ?? "";
  assert.match(text, /port is already allocated/);
  assert.match(text, /the original e2e-keep was put back as it was and runs again/);
  // The form still holds what was typed, to fix and run again.
  assert.equal(await page.getByLabel("Host port 1").inputValue(), String(taken));
  assert.equal(new URL(page.url()).pathname, "/containers/new");
  await page.context().close();

  const kept = (await inspect("e2e-keep")).body;
  assert.equal(kept.Id, oldId, "the original keeps its name");
  assert.equal(kept.State.Running, true, "and runs");
  assert.equal(kept.HostConfig.PortBindings["80/tcp"][0].HostPort, String(mine), "with its own port");
  const names = ((await api(f.cp, f.ownerCookie).get(`${base()}?all=true`)).body as { name: string }[]).map((c) => c.name).sort();
  assert.deepEqual(names, ["e2e-holder", "e2e-keep"], "no new container, nothing left aside");
  for (const n of ["e2e-keep", "e2e-holder"]) await api(f.cp, f.ownerCookie).delete(`${base()}/${n}?force=true`);
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(e)), []);
});
