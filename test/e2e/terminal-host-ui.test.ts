// The in-browser terminal and the host page as a user meets them, in Debian's Chromium against a real control plane,
// agent and busybox container: a shell opens with focus in the terminal, `echo $((6*7))` prints 42, a smaller window
// gives the shell a smaller terminal (`stty size`), `exit 3` shows the session ended with code 3 and Reconnect opens a new
// one, another command can be typed, a stopped container and a viewer are refused in words. The host page shows CPU,
// memory and disk figures arriving, its containers by state, and a container started meanwhile in its recent events;
// GET /api/v1/hosts/{id}/events gives viewers the container changes and admins the activity record too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser } from "../support/browser";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";

let f: FleetHost;
let browser: Browser;
let viewerCookie: string;

before(async () => {
  [f, browser] = await Promise.all([
    startFleetHost("gth"),
    launchBrowser(),
  ]);
  viewerCookie = (await userSession(f.cp, f.ownerCookie, "viewer")).cookie;
});

after(async () => {
  await browser?.close();
  await f?.destroy();
});

async function signedInPage(cookie: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  await context.addCookies(
    cookie.split(/;\s*/).filter(Boolean).map((c) => {
      const eq = c.indexOf("=");
      return { name: c.slice(0, eq), value: c.slice(eq + 1), url: f.cp.url };
    }),
  );
  return context.newPage();
}

async function run(name: string, cmd: string[]): Promise<string> {
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name, cmd, network: "none" });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

/** What the terminal shows now, one string per row (xterm's DOM renderer draws a div per row). */
async function screen(page: Page): Promise<string[]> {
  return page.locator(".xterm-rows > div").evaluateAll((rows) => rows.map((r) => (r.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()));
}

async function waitForScreen(page: Page, what: string, re: RegExp): Promise<RegExpMatchArray> {
  return waitFor(what, async () => {
    for (const row of (await screen(page)).reverse()) {
      const m = re.exec(row);
      if (m) return m;
    }
    return undefined;
  }, 20_000);
}

async function typeLine(page: Page, line: string) {
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

test("terminal: a shell with focus, output read back, resize reaches the shell, exit code shown, reconnect, another command", async () => {
  await run("term-box", ["sleep", "600"]);
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/term-box/terminal`);
  await page.getByRole("heading", { name: /^Terminal: term-box on / }).waitFor();
  assert.equal(await page.getByLabel("Command", { exact: true }).inputValue(), "/bin/sh");
  await page.locator('[data-testid="terminal-status"][data-state="running"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId("terminal-status").textContent(), "Connected: /bin/sh");

  // Keyboard focus is in the terminal: typing goes to the shell without a click.
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("xterm-helper-textarea")), true, "the terminal has the focus");
  await typeLine(page, "echo $((6*7))");
  await waitForScreen(page, "42 printed by the shell", /^42$/);

  // The shell's terminal is the size of the box; a smaller window makes both smaller.
  await typeLine(page, "echo A$(stty size)A");
  const [, rows1, cols1] = await waitForScreen(page, "the first stty size", /^A(\d+) (\d+)A$/);
  assert.equal(Number(rows1), (await screen(page)).length, "the shell's rows are the rows shown");
  await page.setViewportSize({ width: 760, height: 560 });
  await waitFor("the terminal refitted", async () => (await screen(page)).length < Number(rows1));
  await typeLine(page, "echo B$(stty size)B");
  const [, rows2, cols2] = await waitForScreen(page, "the second stty size", /^B(\d+) (\d+)B$/);
  assert.ok(Number(rows2) < Number(rows1) && Number(cols2) < Number(cols1), `resized from ${rows1}x${cols1} to ${rows2}x${cols2}`);
  assert.equal(Number(rows2), (await screen(page)).length, "the shell's rows follow the box");

  // exit 3: the session ends with its code, and Reconnect opens a new one.
  await typeLine(page, "exit 3");
  await page.getByTestId("terminal-status").getByText("Session ended (exit code 3)").waitFor();
  await waitForScreen(page, "the end written in the terminal", /\[session ended \(exit code 3\)\]/);
  await page.getByRole("button", { name: "Reconnect" }).click();
  await page.locator('[data-testid="terminal-status"][data-state="running"]').waitFor();
  assert.equal(await page.getByRole("button", { name: "Reconnect" }).count(), 0);
  await typeLine(page, "echo again-$((1+1))");
  await waitForScreen(page, "the new session answers", /^again-2$/);

  // Another command, typed in the Command field, quoted as in a shell.
  await page.getByLabel("Command", { exact: true }).fill(`sh -c 'echo custom-$((2+3)); exit 5'`);
  await page.getByRole("button", { name: "Start session" }).click();
  await page.getByTestId("terminal-status").getByText("Session ended (exit code 5)").waitFor();
  await waitForScreen(page, "the custom command's output", /^custom-5$/);
  await page.getByLabel("Command", { exact: true }).fill(`sh -c 'unterminated`);
  await page.getByRole("button", { name: "Start session" }).click();
  await page.getByText(/single quote .* never closed/).waitFor();

  // Every session is in the activity record, with its command and exit code.
  const activity = (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}/events?limit=200`)).body as { events: { event: string; target: string; exitCode: number | null }[] };
  const execs = activity.events.filter((e) => e.event === "containers.exec" && e.target === `hosts/${f.hostId}/containers/term-box`);
  assert.ok(execs.some((e) => e.exitCode === 3) && execs.some((e) => e.exitCode === 5), JSON.stringify(execs));
  await page.context().close();
});

test("terminal: a stopped container and a viewer are refused in words", async () => {
  await run("term-done", ["true"]);
  await waitFor("term-done exited", async () => {
    const r = await api(f.cp, f.ownerCookie).get(`/api/v1/containers?host=${f.hostId}&name=term-done&state=exited`);
    return r.body.total === 1;
  });
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts/${f.hostId}/containers/term-done/terminal`);
  await page.getByRole("alert").getByText(/The container is not running: start it first/).waitFor({ timeout: 30_000 });
  await page.getByRole("button", { name: "Reconnect" }).waitFor();
  await page.context().close();

  const viewer = await signedInPage(viewerCookie);
  await viewer.goto(`${f.cp.url}/hosts/${f.hostId}/containers/term-box/terminal`);
  await viewer.getByTestId("not-allowed").getByText("A terminal in a container needs the containers.exec right, which your role (viewer) does not have.").waitFor();
  assert.equal(await viewer.getByTestId("terminal").count(), 0);
  assert.equal(await viewer.locator(".xterm").count(), 0);
  await viewer.context().close();
});

test("host page: CPU, memory and disk figures arrive; containers by state; a container started shows in recent events", async () => {
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts/${f.hostId}`);
  await page.getByRole("heading", { name: "Usage" }).waitFor();
  await page.getByTestId("host-cpu").getByText(/^\d+(\.\d)? %$/).waitFor({ timeout: 20_000 });
  assert.match((await page.getByTestId("host-memory").textContent())!, /^[\d.]+ [KMGT]?i?B of [\d.]+ [KMGT]?i?B$/);
  assert.match((await page.getByTestId("host-disk").textContent())!, /^[\d.]+ [KMGT]?i?B of [\d.]+ [KMGT]?i?B$/);
  // Figures keep arriving: each chart draws a line through more than one point.
  for (const title of ["CPU", "Used memory", "Used disk"]) {
    const path = page.locator("figure", { has: page.locator(`[data-series="${title}"]`) }).locator("path");
    await waitFor(`${title} plotted twice`, async () => ((await path.count()) === 1 && /L/.test((await path.getAttribute("d")) ?? "")) || undefined, 20_000);
    assert.doesNotMatch((await page.locator(`[data-series="${title}"]`).textContent())!, /—/);
  }

  const containers = page.getByRole("region", { name: "Containers" });
  assert.equal(await containers.getByRole("link", { name: "View containers" }).getAttribute("href"), `/containers?host=${f.hostId}`);
  assert.equal(await containers.getByRole("link", { name: "Images", exact: true }).getAttribute("href"), `/images?host=${f.hostId}`);
  await page.locator('[data-testid="host-containers-running"]').waitFor();
  const running = Number(await page.getByTestId("host-containers-running").getAttribute("data-count"));
  assert.ok(running >= 1, `running: ${running}`);

  // A container started while the page is open appears among the recent events, and in the count.
  await run("host-page-new", ["sleep", "600"]);
  await page.locator('[data-testid="host-event"][data-event="started"][data-container="host-page-new"]').waitFor({ timeout: 20_000 });
  await page.locator(`[data-testid="host-containers-running"][data-count="${running + 1}"]`).waitFor();
  // The owner reads the activity record too: the run that made it.
  await page.locator('[data-testid="host-event"][data-source="activity"][data-event="containers.run"]').first().waitFor();
  await page.context().close();

  // A viewer sees the figures and the container changes, not the activity record.
  const viewer = await signedInPage(viewerCookie);
  await viewer.goto(`${f.cp.url}/hosts/${f.hostId}`);
  await viewer.locator('[data-testid="host-event"][data-event="started"][data-container="host-page-new"]').waitFor({ timeout: 20_000 });
  await viewer.getByTestId("host-cpu").getByText(/%$/).waitFor({ timeout: 20_000 });
  assert.equal(await viewer.locator('[data-testid="host-event"][data-source="activity"]').count(), 0);
  await viewer.context().close();
});

test("GET /api/v1/hosts/{id}/events: container changes for every role, activity for admins, input checked", async () => {
  await run("events-api", ["sh", "-c", "exit 7"]);
  const path = `/api/v1/hosts/${f.hostId}/events`;
  const owner = api(f.cp, f.ownerCookie);
  const viewer = api(f.cp, viewerCookie);

  const exited = await waitFor("events-api exited in the events", async () => {
    const r = await viewer.get(path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.events.find((e: { event: string; containerName: string; exitCode: number | null }) => e.event === "exited" && e.containerName === "events-api" && e.exitCode === 7);
  });
  assert.equal(exited.text, "events-api exited with code 7");
  assert.equal(exited.source, "inventory");
  const v = (await viewer.get(path)).body;
  assert.equal(v.activityIncluded, false);
  assert.equal(v.events.filter((e: { source: string }) => e.source === "activity").length, 0);
  for (const e of ["created", "started"]) assert.ok(v.events.some((x: { event: string; containerName: string }) => x.event === e && x.containerName === "events-api"), e);
  assert.ok(v.containers.byState.exited >= 1 && v.containers.byState.running >= 1, JSON.stringify(v.containers));
  assert.equal(v.containers.total, Object.values(v.containers.byState as Record<string, number>).reduce((a, b) => a + b, 0));
  const times = v.events.map((e: { at: string }) => e.at);
  assert.deepEqual(times, [...times].sort().reverse(), "newest first");

  const o = (await owner.get(`${path}?limit=200`)).body;
  assert.equal(o.activityIncluded, true);
  const runs = o.events.filter((e: { source: string; event: string; target: string }) => e.source === "activity" && e.event === "containers.run" && e.target === `hosts/${f.hostId}/containers`);
  assert.ok(runs.length >= 1, JSON.stringify(o.events.slice(0, 5)));
  assert.equal(runs[0].actor, f.owner.email);
  assert.equal(runs[0].outcome, "ok");
  // Said in words with the names (the container's, the host's), not the path.
  const hostName = (await owner.get(`/api/v1/hosts/${f.hostId}`)).body.name;
  const texts = o.events.map((e: { text: string }) => e.text);
  assert.ok(texts.includes(`${f.owner.email} ran container events-api from ${f.image} on host ${hostName}`), JSON.stringify(texts));
  // The terminal sessions of the first test (the container as the browser asked for it: by name).
  assert.ok(texts.includes(`${f.owner.email} opened a terminal in container term-box on host ${hostName}: /bin/sh`), JSON.stringify(texts));
  assert.ok(texts.includes(`${f.owner.email} ended a terminal session in container term-box on host ${hostName} (exit code 3)`), JSON.stringify(texts));

  assert.equal((await viewer.get(`${path}?limit=2`)).body.events.length, 2);
  const bad = await viewer.get(`${path}?limit=0`);
  assert.ok(bad.status === 400 || bad.status === 422, String(bad.status));
  assert.match(JSON.stringify(bad.body), /limit/);
  assert.equal((await viewer.get(`${path}?since=yesterday`)).status >= 400, true);
  assert.equal((await viewer.get(`/api/v1/hosts/999999/events`)).status, 404);
  assert.equal((await viewer.get(`/api/v1/hosts/abc/events`)).status, 400);
  assert.equal((await api(f.cp).get(path)).status, 401);
});
