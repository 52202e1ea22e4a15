// The control-plane spine as a user meets it, in Debian's Chromium: first-run setup → signed in → this machine is
// host 1, online → "Add host" shows a join command → a second machine (its own network namespace) runs it and
// appears in the open page without a reload → it is killed and turns offline → a viewer sees no "Add host" and the
// API answers them 403.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { arch, release } from "node:os";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { launchBrowser } from "../support/browser";
import { startAgent, type AgentProcess } from "../support/agent";
import { createTestNetwork, type TestNetwork } from "../support/netns";
import { api, signIn, strongPassword, uniqueEmail, userSession } from "../support/session";

test("first run to a live two-host fleet, and what a viewer may do", async () => {
  let net: TestNetwork | undefined;
  let cp: ControlPlane | undefined;
  const agents: AgentProcess[] = [];
  const browser = await launchBrowser();
  try {
    net = createTestNetwork(`10.214.${randomInt(1, 250)}`, 1);
    const port = await freePort();
    const publicUrl = `http://${net.gateway}:${port}`;
    cp = await startControlPlane({
      port,
      env: { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl, GANTRY_HEARTBEAT_STALE_MS: "1500", GANTRY_HEARTBEAT_OFFLINE_MS: "3000" },
    });
    const page = await (await browser.newContext()).newPage();

    // First run: the setup page, as Portainer has.
    await page.goto(cp.url);
    await page.waitForURL((u) => u.pathname === "/setup");
    const email = uniqueEmail("owner");
    const password = strongPassword();
    await page.getByLabel("Name").fill("Olive Owner");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByLabel("Password again").fill(password);
    await page.getByRole("button", { name: "Create owner account" }).click();
    await page.waitForURL((u) => u.pathname === "/hosts");
    await page.getByRole("heading", { name: "Hosts" }).waitFor();

    // This machine joins as host 1 with a join command minted from the page's "Add host" dialog.
    const joinCommand = async () => {
      await page.getByRole("button", { name: "Add host" }).click();
      const command = (await page.getByTestId("join-command").textContent())!.trim();
      await page.keyboard.press("Escape");
      const token = /--token\s+(\S+)/.exec(command)?.[1];
      assert.ok(token, `the join command carries a token: ${command}`);
      assert.ok(command.includes(publicUrl), `the join command names the control plane: ${command}`);
      return token!;
    };
    const first = await joinCommand();
    agents.push(startAgent({ serverUrl: publicUrl, token: first }));
    const host1 = page.getByTestId("host-row-1");
    await host1.locator('[data-status="online"]').waitFor({ timeout: 30_000 });
    assert.match((await host1.textContent())!, /host 1/);
    const row1 = (await host1.textContent())!;
    assert.ok(row1.includes(release()) && row1.includes(arch() === "x64" ? "x86_64" : arch()), `this machine's facts are shown: ${row1}`);

    // A second machine, in its own network namespace, runs a fresh join command: it appears without a reload.
    const marker = await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = Math.random()));
    const second = await joinCommand();
    assert.notEqual(second, first, "every Add host mints a fresh token");
    const agent2 = startAgent({ serverUrl: publicUrl, token: second, netns: net.hosts[0]!.netns });
    agents.push(agent2);
    const host2 = page.getByTestId("host-row-2");
    await host2.locator('[data-status="online"]').waitFor({ timeout: 30_000 });

    // Stopping it turns it offline once the heartbeat grace passes, still without a reload.
    await agent2.kill();
    await host2.locator('[data-status="offline"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { __noReload: number }).__noReload), marker, "the page never reloaded");
    await host1.locator('[data-status="online"]').waitFor();

    // A viewer: no "Add host" in the page, and 403 from the API.
    const ownerCookie = await signIn(cp, email, password);
    const viewer = await userSession(cp, ownerCookie, "viewer");
    const vctx = await browser.newContext();
    const vpage = await vctx.newPage();
    await vpage.goto(`${cp.url}/signin?callbackUrl=%2Fhosts`);
    await vpage.getByLabel("Email").fill(viewer.user.email);
    await vpage.getByLabel("Password").fill(viewer.user.password);
    await vpage.getByRole("button", { name: "Sign in" }).click();
    await vpage.waitForURL((u) => u.pathname === "/hosts");
    await vpage.getByTestId("host-row-1").waitFor();
    assert.equal(await vpage.getByRole("button", { name: "Add host" }).count(), 0);
    const denied = await api(cp, viewer.cookie).post("/api/v1/join-tokens", {});
    assert.equal(denied.status, 403);
  } finally {
    await browser.close();
    for (const a of agents) await a.destroy();
    await cp?.destroy();
    net?.destroy();
  }
});
