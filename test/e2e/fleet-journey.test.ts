// Issue 6's journey, in Debian's Chromium against two hosts, each an agent in its own network namespace reaching the
// control plane over a test bridge: sign in → run a container on host 2 from the browser (its image pulled there
// first) → watch its log lines arrive live → open a terminal, type a command and read its output → stop it and remove
// it, each with its confirmation → it is gone from the fleet list and from the host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { launchBrowser } from "../support/browser";
import { mintJoinToken, startAgent, waitFor, type AgentProcess } from "../support/agent";
import { createTestNetwork, type TestNetwork } from "../support/netns";
import { startRegistry, type TestRegistry } from "../support/registry";
import { makeImage, makeLayer, pushImage } from "../support/images";
import { GANTRY_RUNTIME } from "../support/bundle";
import { api, setupOwner, signIn } from "../support/session";
import { fullBusyboxEntries } from "../support/docker-cli";

test("run a container on host 2 from the browser, watch its logs, use its terminal, stop and remove it", async () => {
  let net: TestNetwork | undefined;
  let cp: ControlPlane | undefined;
  let registry: TestRegistry | undefined;
  const agents: AgentProcess[] = [];
  const work = mkdtempSync(join(tmpdir(), "gantry-journey-"));
  const browser = await launchBrowser();
  try {
    net = createTestNetwork(`10.216.${randomInt(1, 250)}`, 2);
    const port = await freePort();
    const publicUrl = `http://${net.gateway}:${port}`;
    [cp, registry] = await Promise.all([
      startControlPlane({ port, env: { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl } }),
      startRegistry("open", undefined, { address: net.gateway }),
    ]);
    // Plain http to the test registry on the bridge, for this test's pushes and both agents.
    process.env.GANTRY_INSECURE_REGISTRIES = registry.host;
    await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(fullBusyboxEntries())], { cmd: ["sh"] }));
    const image = `${registry.host}/busybox:latest`;
    const owner = await setupOwner(cp);
    const cookie = await signIn(cp, owner.email, owner.password);

    // Two hosts, each in its own namespace; host 2 is where the container goes.
    const hostIds: number[] = [];
    for (const [i, h] of net.hosts.entries()) {
      const { token } = await mintJoinToken(cp.url, cookie);
      const agent = startAgent({ root: join(work, `host${i + 1}`), netns: h.netns, serverUrl: publicUrl, token, env: { GANTRY_RUNTIME, GANTRY_INSECURE_REGISTRIES: registry.host } });
      agents.push(agent);
      await agent.waitForOutput(/joined .* as host (\d+)/, 60_000);
      hostIds.push(Number(/joined .* as host (\d+)/.exec(agent.output())![1]));
    }
    const host2 = hostIds[1]!;
    await waitFor("both hosts online", async () => {
      const all = await Promise.all(hostIds.map(async (id) => (await api(cp!, cookie).get(`/api/v1/hosts/${id}`)).body?.status));
      return all.every((s) => s === "online");
    }, 60_000);

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${cp.url}/signin`);
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill(owner.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname === "/");

    // Run: the image is not on host 2 yet, so the form pulls it there first, then runs the container.
    await page.goto(`${cp.url}/containers/new?host=${host2}`);
    await page.getByRole("heading", { name: "Run a container" }).waitFor();
    await page.getByLabel("Image", { exact: true }).fill(image);
    await page.getByLabel("Name", { exact: true }).fill("journey");
    await page.getByLabel("Command", { exact: true }).fill(`sh -c 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'`);
    await page.getByRole("button", { name: "Run container" }).click();
    await page.waitForURL((u) => new RegExp(`^/hosts/${host2}/containers/[^/]+$`).test(u.pathname), { timeout: 60_000 });
    await page.locator('[data-testid="container-state"][data-state="running"]').waitFor({ timeout: 20_000 });
    const onHost2 = (await api(cp, cookie).get(`/api/v1/hosts/${host2}/containers/journey`)).body;
    assert.equal(onHost2.State.Running, true, "the container runs on host 2");
    assert.equal((await api(cp, cookie).get(`/api/v1/hosts/${hostIds[0]}/containers/journey`)).status, 404, "and not on host 1");

    // Logs: lines the container writes after the page opened arrive without a reload.
    await page.getByRole("link", { name: "View logs" }).click();
    await page.waitForURL((u) => u.pathname === "/logs");
    const lines = page.getByTestId("log-line");
    await lines.filter({ hasText: /tick \d+/ }).first().waitFor({ timeout: 20_000 });
    const lastTick = async () => Math.max(...(await lines.allTextContents()).map((t) => Number(/tick (\d+)/.exec(t)?.[1] ?? 0)));
    const seen = await lastTick();
    await waitFor("newer log lines pushed to the open page", async () => (await lastTick()) >= seen + 5, 20_000);

    // Terminal: a shell in the container on host 2.
    await page.goBack();
    await page.getByRole("link", { name: "Open terminal" }).click();
    await page.waitForURL((u) => u.pathname.endsWith("/terminal"));
    await page.locator('[data-testid="terminal-status"][data-state="running"]').waitFor({ timeout: 20_000 });
    await page.locator(".xterm-helper-textarea").focus();
    await page.keyboard.type("echo answer-$((6*7)) && hostname\n");
    const rows = page.locator(".xterm-rows");
    await waitFor("the command's output in the terminal", async () => /^answer-42\s*$/m.test((await rows.innerText()).replace(/\u00a0/g, " ")), 20_000);

    // Stop, then remove, each confirmed.
    await page.goBack();
    await page.locator('[data-testid="container-state"][data-state="running"]').waitFor();
    await page.getByRole("group", { name: "Container actions" }).getByRole("button", { name: "Stop" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Stop container" }).click();
    await page.locator('[data-testid="container-state"][data-state="exited"]').waitFor({ timeout: 30_000 });
    await page.getByRole("group", { name: "Container actions" }).getByRole("button", { name: "Remove" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove container" }).click();
    await page.waitForURL((u) => u.pathname === "/containers", { timeout: 20_000 });
    await page.getByTestId("containers-total").waitFor();
    assert.equal(await page.getByTestId("container-row-journey").count(), 0, "gone from the fleet list");
    assert.equal((await api(cp, cookie).get(`/api/v1/hosts/${host2}/containers/journey`)).status, 404, "gone from host 2");
  } finally {
    await browser.close();
    // Containers outlive their agents by design: remove any this test left before the agents stop.
    for (const a of agents) {
      await new Promise<void>((resolve) =>
        execFile("/usr/local/bin/docker", ["rm", "-f", "journey"], { env: { ...process.env, DOCKER_HOST: `unix://${join(a.root, "docker.sock")}` } }, () => resolve()),
      );
      await a.stop();
    }
    await Promise.all([cp?.destroy(), registry?.stop()]);
    net?.destroy();
    rmSync(work, { recursive: true, force: true });
  }
});
