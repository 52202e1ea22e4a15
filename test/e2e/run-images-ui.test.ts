// The images page and the run form as a user meets them, in Debian's Chromium against a real control plane, agent and
// registry: a new three-layer image is pushed to the registry, pulled from the images page with a bar per layer that
// reaches complete, tagged, the tag removed after confirmation; a container is run from the image's "Run" link with
// env, a published port on 127.0.0.1, a label and a memory limit — bad input and an API refusal are shown next to the
// form with everything typed kept — and the page lands on the container's page while the API shows it running with
// those settings and the port answers; removing its image is refused as "in use"; a viewer gets no controls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

import type { Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser } from "../support/browser";
import { freePort } from "../support/control-plane";
import { makeImage, makeLayer, pushImage } from "../support/images";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { fullBusyboxEntries } from "../support/docker-cli";

async function signedInPage(browser: Awaited<ReturnType<typeof launchBrowser>>, url: string, cookie: string): Promise<Page> {
  const context = await browser.newContext();
  await context.addCookies(
    cookie.split(/;\s*/).filter(Boolean).map((c) => {
      const eq = c.indexOf("=");
      return { name: c.slice(0, eq), value: c.slice(eq + 1), url };
    }),
  );
  return context.newPage();
}

test("images: pull with per-layer progress, tag, remove; run a container from the form; a viewer only reads", async () => {
  let f: FleetHost | undefined;
  const browser = await launchBrowser();
  try {
    f = await startFleetHost("gri");
    const { cp, hostId, registry } = f;
    const owner = api(cp, f.ownerCookie);

    // A new image in the registry, three layers: busybox, a web root, and 2 MiB of data.
    const layers = [
      await makeLayer(fullBusyboxEntries()),
      await makeLayer([{ name: "www/", type: "directory", mode: 0o755 }, { name: "www/about.txt", type: "file", mode: 0o644, body: "gantry run-images test\n" }]),
      await makeLayer([{ name: "data/", type: "directory", mode: 0o755 }, { name: "data/blob.bin", type: "file", mode: 0o644, body: randomBytes(2 << 20) }]),
    ];
    const repo = `webapp${randomBytes(3).toString("hex")}`;
    const ref = `${registry.host}/${repo}:v1`;
    const stableRef = `${registry.host}/${repo}:stable`;
    await pushImage(registry.host, repo, "v1", makeImage(layers, { cmd: ["sh"] }));
    // v2 shares the first two layers and adds its own: the run form pulls it, since the host lacks it.
    const v2Layers = [layers[0]!, layers[1]!, await makeLayer([{ name: "data/", type: "directory", mode: 0o755 }, { name: "data/v2.bin", type: "file", mode: 0o644, body: randomBytes(1 << 20) }])];
    const v2Ref = `${registry.host}/${repo}:v2`;
    await pushImage(registry.host, repo, "v2", makeImage(v2Layers, { cmd: ["sh"] }));

    const page = await signedInPage(browser, cp.url, f.ownerCookie);
    await page.goto(`${cp.url}/images`);
    await page.getByRole("heading", { name: "Images" }).waitFor();
    assert.equal(await page.getByLabel("Host", { exact: true }).inputValue(), String(hostId), "the first online host is chosen");
    // The list, or the reason it could not be read (said in the failure, not hidden behind a timeout).
    await page.getByTestId(`image-row-${f.image}`).or(page.getByText(/The images could not be listed/)).waitFor();
    const refused = page.getByText(/The images could not be listed/);
    if (await refused.count()) assert.fail(`the images page said: ${await refused.textContent()}`);
    assert.equal(await page.getByTestId(`image-row-${ref}`).count(), 0);

    // A bad reference is refused in place; the real one pulls with a bar per layer that reaches complete.
    await page.getByLabel("Image to pull", { exact: true }).fill("Not An Image");
    await page.getByRole("button", { name: "Pull", exact: true }).click();
    await page.getByText(/invalid reference "Not An Image"/).waitFor();
    await page.getByLabel("Image to pull", { exact: true }).fill(ref);
    await page.getByRole("button", { name: "Pull", exact: true }).click();
    await page.locator('[data-testid="pull-progress"][data-state="done"]').waitFor({ timeout: 30_000 });
    const shortIds = layers.map((l) => l.digest.slice(7, 19));
    for (const id of shortIds) {
      const bar = page.getByRole("progressbar", { name: `Layer ${id}` });
      assert.equal(await bar.evaluate((el) => (el as HTMLProgressElement).value), 100, `layer ${id} is complete`);
      assert.equal(await page.getByTestId(`layer-${id}`).getAttribute("data-complete"), "true");
    }
    assert.equal(await page.getByRole("progressbar").count(), layers.length, "one bar per layer");
    await page.getByTestId(`image-row-${ref}`).waitFor();

    // Tag it; the new name is listed and the API shows both names on one image.
    await page.getByRole("button", { name: `Tag ${ref}` }).click();
    await page.getByLabel("New tag", { exact: true }).fill("webapp:bad tag");
    await page.getByRole("button", { name: "Tag", exact: true }).click();
    await page.getByRole("dialog").getByText(/tag "bad tag" is invalid/).waitFor();
    await page.getByLabel("New tag", { exact: true }).fill(stableRef);
    await page.getByRole("button", { name: "Tag", exact: true }).click();
    await page.getByTestId(`image-row-${stableRef}`).waitFor();
    const tagged = (await owner.get(`/api/v1/hosts/${hostId}/images`)).body as { repoTags: string[] }[];
    assert.ok(tagged.some((i) => i.repoTags.includes(ref) && i.repoTags.includes(stableRef)), JSON.stringify(tagged));

    // Remove the new tag, after confirming.
    await page.getByRole("button", { name: `Remove ${stableRef}` }).click();
    const confirm = page.getByRole("dialog", { name: "Remove image" });
    await confirm.getByText(`Remove the tag ${stableRef}?`, { exact: false }).waitFor();
    await confirm.getByRole("button", { name: "Remove", exact: true }).click();
    await page.getByTestId(`image-row-${stableRef}`).waitFor({ state: "detached" });
    const untagged = (await owner.get(`/api/v1/hosts/${hostId}/images`)).body as { repoTags: string[] }[];
    assert.ok(untagged.some((i) => i.repoTags.includes(ref) && !i.repoTags.includes(stableRef)), JSON.stringify(untagged));

    // A container already holds a name, so the first real submit meets the API's refusal.
    const takenName = `taken-${randomBytes(3).toString("hex")}`;
    const taken = await owner.post(`/api/v1/hosts/${hostId}/containers`, { image: f.image, name: takenName, cmd: ["sleep", "600"] });
    assert.equal(taken.status, 201, JSON.stringify(taken.body));

    // "Run" on the image's row opens the form for this host and image.
    await page.getByRole("link", { name: `Run ${ref}` }).click();
    await page.waitForURL((u) => u.pathname === "/containers/new" && u.searchParams.get("image") === ref && u.searchParams.get("host") === String(hostId));
    await page.getByRole("heading", { name: "Run a container" }).waitFor();
    assert.equal(await page.getByLabel("Image", { exact: true }).inputValue(), ref);
    assert.equal(await page.getByLabel("Host", { exact: true }).inputValue(), String(hostId));

    const hostPort = await freePort();
    const command = `sh -c 'echo "hello $GREETING" > /www/index.html && exec httpd -f -p 8080 -h /www'`;
    await page.getByLabel("Name", { exact: true }).fill(takenName);
    await page.getByLabel("Command", { exact: true }).fill(command);
    await page.getByLabel("Environment variable 1", { exact: true }).fill("GREETING=from the form");
    await page.getByLabel("Host IP 1", { exact: true }).fill("127.0.0.1");
    await page.getByLabel("Host port 1", { exact: true }).fill("99999");
    await page.getByLabel("Container port 1", { exact: true }).fill("8080");
    await page.getByLabel("Memory limit", { exact: true }).fill("lots");
    await page.getByLabel("Label 1", { exact: true }).fill("team=blue");
    await page.getByRole("button", { name: "Run container" }).click();

    // Bad input: each problem next to its field, nothing sent, nothing lost.
    await page.getByTestId("error-ports.0.hostPort").getByText("the host port must be from 1 to 65535, not 99999").waitFor();
    assert.match((await page.locator("#run-memory-error").textContent())!, /"lots" is not a size/);
    assert.equal(await page.getByLabel("Host port 1", { exact: true }).getAttribute("aria-invalid"), "true");
    assert.match((await page.getByRole("alert").first().textContent())!, /Fix the 2 fields marked below; nothing was sent/);
    for (const [label, value] of [["Name", takenName], ["Command", command], ["Environment variable 1", "GREETING=from the form"], ["Label 1", "team=blue"], ["Memory limit", "lots"], ["Host IP 1", "127.0.0.1"]] as const) {
      assert.equal(await page.getByLabel(label, { exact: true }).inputValue(), value, `${label} kept`);
    }

    // Fixed input and another image the host lacks: it is pulled first, a bar per layer; then the name is taken, so
    // the API's refusal is shown and the form still holds everything.
    await page.getByLabel("Host port 1", { exact: true }).fill(String(hostPort));
    await page.getByLabel("Memory limit", { exact: true }).fill("64m");
    await page.getByLabel("Image", { exact: true }).fill(v2Ref);
    await page.getByRole("button", { name: "Run container" }).click();
    await page.locator('[data-testid="pull-progress"][data-state="done"]').waitFor({ timeout: 30_000 });
    for (const l of v2Layers) assert.equal(await page.getByTestId(`layer-${l.digest.slice(7, 19)}`).getAttribute("data-complete"), "true");
    assert.equal(await page.getByTestId(`layer-${layers[0]!.digest.slice(7, 19)}`).textContent().then((t) => /Already exists/.test(t!)), true, "a shared layer is not pulled again");
    await page.getByRole("alert").filter({ hasText: "The container was not run" }).waitFor({ timeout: 30_000 });
    assert.match((await page.getByRole("alert").filter({ hasText: "The container was not run" }).textContent())!, new RegExp(takenName));
    assert.equal(await page.getByLabel("Command", { exact: true }).inputValue(), command);
    assert.equal(page.url().includes("/containers/new"), true);

    // A free name: the container runs and the page moves to it.
    const name = `web-${randomBytes(3).toString("hex")}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByRole("button", { name: "Run container" }).click();
    await page.waitForURL((u) => new RegExp(`^/hosts/${hostId}/containers/[0-9a-f]{64}$`).test(u.pathname), { timeout: 30_000 });
    const cid = new URL(page.url()).pathname.split("/").pop()!;

    const inspect = (await owner.get(`/api/v1/hosts/${hostId}/containers/${cid}`)).body;
    assert.equal(inspect.Name, `/${name}`);
    assert.equal(inspect.State.Running, true, JSON.stringify(inspect.State));
    assert.equal(inspect.Config.Image, v2Ref);
    assert.ok(inspect.Config.Env.includes("GREETING=from the form"), JSON.stringify(inspect.Config.Env));
    assert.equal(inspect.Config.Labels.team, "blue");
    assert.deepEqual(inspect.Config.Cmd, ["sh", "-c", `echo "hello $GREETING" > /www/index.html && exec httpd -f -p 8080 -h /www`]);
    assert.equal(inspect.HostConfig.Memory, 64 * 1024 * 1024);
    assert.deepEqual(inspect.HostConfig.PortBindings["8080/tcp"], [{ HostIp: "127.0.0.1", HostPort: String(hostPort) }]);
    const body = await waitFor("the published port to answer", async () => {
      const res = await fetch(`http://127.0.0.1:${hostPort}/`);
      return res.status === 200 ? res.text() : undefined;
    });
    assert.equal(body, "hello from the form\n");

    // Its image is in use now: removing it is refused, and the page says why.
    await page.goto(`${cp.url}/images?host=${hostId}`);
    await page.getByRole("button", { name: `Remove ${v2Ref}` }).click();
    const refuse = page.getByRole("dialog", { name: "Remove image" });
    await refuse.getByRole("button", { name: "Remove", exact: true }).click();
    await refuse.getByRole("alert").getByText(/is in use: .*being used by a container/).waitFor();
    await refuse.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await page.getByTestId(`image-row-${v2Ref}`).count(), 1);

    // A viewer reads the list but has no pull, tag, remove or run controls, and no run form.
    const viewer = await userSession(cp, f.ownerCookie, "viewer");
    const vpage = await signedInPage(browser, cp.url, viewer.cookie);
    await vpage.goto(`${cp.url}/images?host=${hostId}`);
    await vpage.getByTestId(`image-row-${ref}`).waitFor();
    assert.equal(await vpage.getByLabel("Image to pull", { exact: true }).count(), 0);
    assert.equal(await vpage.getByRole("button", { name: /^(Pull|Tag|Remove)\b/ }).count(), 0);
    assert.equal(await vpage.getByRole("link", { name: /^Run / }).count(), 0);
    await vpage.goto(`${cp.url}/containers/new?host=${hostId}&image=${encodeURIComponent(ref)}`);
    await vpage.waitForLoadState("networkidle");
    assert.equal(await vpage.getByRole("button", { name: "Run container" }).count(), 0);
    const denied = await api(cp, viewer.cookie).post(`/api/v1/hosts/${hostId}/containers`, { image: ref });
    assert.equal(denied.status, 403);
  } finally {
    await browser.close();
    await f?.destroy();
  }
});
