// Draining a host, on two real hosts: from the host's page (Chromium) a Deployment's pods move to the other host, the
// host is cordoned, and the page names what stays — a bare pod (nothing would make it again) and a standalone
// container; the API answers the same, a viewer is refused; `gantry host uncordon|cordon|drain` do it from the CLI.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { startPodFleet, type PodFleet } from "../support/pod-fleet";
import { launchBrowser, signedInPage } from "../support/browser";
import { api, userSession } from "../support/session";
import { mintToken, until } from "../k8s/support";
import { gantry } from "../cli/support";

let f: PodFleet;
let browser: Browser;
let home: string;
const errors: string[] = [];

before(async () => {
  [f, browser] = await Promise.all([startPodFleet("drn"), launchBrowser()]);
  home = mkdtempSync(join(tmpdir(), "gantry-drain-cli-"));
});
after(async () => {
  await browser?.close();
  await f?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

interface PodRow {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}
const pods = async (selector: string): Promise<PodRow[]> => JSON.parse(await f.ok(["get", "pods", "-l", selector, "-o", "json"])).items;
const ready = (p: PodRow) => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const unschedulable = async (node: string) => Boolean(JSON.parse(await f.ok(["get", "node", node, "-o", "json"])).spec.unschedulable);

test("Drain on the host page moves a Deployment's pods to the other host, cordons it, and names the bare pod and the standalone container that stay", async () => {
  const [a, b] = f.hosts;
  // A bare `sleep` as PID 1 ignores SIGTERM: a short grace period keeps each deletion to a second or two.
  const spec = { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: f.image, command: ["sleep", "3600"] }] };
  await f.ok(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "drain-web" },
    spec: { replicas: 4, selector: { matchLabels: { app: "drain-web" } }, template: { metadata: { labels: { app: "drain-web" } }, spec } },
  }));
  await f.ok(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "drain-lonely", labels: { app: "drain-lonely" } },
    spec: { ...spec, nodeName: a!.name },
  }));
  await until(async () => {
    const web = await pods("app=drain-web");
    const lonely = await pods("app=drain-lonely");
    return web.length === 4 && web.every(ready) && web.some((p) => p.spec.nodeName === a!.name) && lonely.every(ready);
  }, 90_000, "4 ready drain-web pods, some on the first host, and the bare pod");
  // The pods pulled the image on the host: a standalone container can run from it.
  const standalone = await api(f.cp, f.cookie).post(`/api/v1/hosts/${a!.hostId}/containers`, { image: f.image, name: "drain-standalone", cmd: ["sleep", "3600"] });
  assert.equal(standalone.status, 201, JSON.stringify(standalone.body));
  const onA = (await pods("app=drain-web")).filter((p) => p.spec.nodeName === a!.name).map((p) => p.metadata.name).sort();

  // A viewer sees the host's scheduling state but may not drain it.
  const { cookie: viewer } = await userSession(f.cp, f.cookie, "viewer");
  assert.equal((await api(f.cp, viewer).post(`/api/v1/hosts/${a!.hostId}/drain`, {})).status, 403);
  assert.equal(await unschedulable(a!.name), false, "the refused drain changed nothing");

  const page = await signedInPage(browser, f.cp.url, f.cookie, { errors });
  await page.goto(`${f.cp.url}/hosts/${a!.hostId}`);
  await page.getByTestId("host-scheduling").getByText(/Takes new pods/).waitFor();
  await page.getByRole("button", { name: "Drain", exact: true }).click();
  await page.getByRole("button", { name: "Drain host" }).click();
  const report = page.getByRole("status", { name: "Drain result" });
  await report.waitFor({ timeout: 90_000 });
  const text = (await report.textContent()) ?? "";
  for (const name of onA) assert.match(text, new RegExp(`pod default/${name}: moved off`), text);
  assert.match(text, /pod default\/drain-lonely stays: no controller would make it again/);
  assert.match(text, /container drain-standalone \(.*\) stays: not a pod's/);
  assert.match(await page.getByTestId("host-scheduling").textContent() ?? "", /Cordoned: no new pods/);
  await page.context().close();

  assert.equal(await unschedulable(a!.name), true);
  await until(async () => {
    const web = await pods("app=drain-web");
    return web.length === 4 && web.every((p) => ready(p) && p.spec.nodeName === b!.name);
  }, 90_000, "the 4 drain-web pods ready, all on the second host");
  const lonely = (await pods("app=drain-lonely"))[0];
  assert.equal(lonely?.spec.nodeName, a!.name, "the bare pod stays where it was");
  const names = ((await api(f.cp, f.cookie).get(`/api/v1/hosts/${a!.hostId}/containers`)).body as { name: string }[]).map((c) => c.name);
  assert.ok(names.includes("drain-standalone"), names.join(" "));
  assert.deepEqual(errors, []);
});

test("gantry host uncordon, cordon and drain: the Node follows, and a drain with nothing to move says so", async () => {
  const a = f.hosts[0]!;
  const env = { GANTRY_URL: f.cp.url, GANTRY_TOKEN: await mintToken(f.cp, f.cookie, "admin") };
  const un = await gantry(home, ["host", "uncordon", a.name], env);
  assert.equal(un.code, 0, un.stderr);
  assert.equal(un.stdout.trim(), `node/${a.name} uncordoned`);
  assert.equal(await unschedulable(a.name), false);

  const co = await gantry(home, ["host", "cordon", String(a.hostId)], env);
  assert.equal(co.code, 0, co.stderr);
  assert.equal(await unschedulable(a.name), true);

  const dr = await gantry(home, ["host", "drain", a.name, "--timeout", "30"], env);
  assert.equal(dr.code, 0, dr.stderr);
  assert.match(dr.stdout, /pod\/drain-lonely -n default stays: no controller would make it again/);
  assert.match(dr.stdout, /container drain-standalone \(.*\) stays/);
  assert.match(dr.stdout, new RegExp(`node/${a.name} drained\\n$`));

  const bad = await gantry(home, ["host", "drain", a.name, "--timeout", "-5"], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--timeout is a whole number of seconds from 0 to 240/);
  const viewer = await gantry(home, ["host", "cordon", a.name], { ...env, GANTRY_TOKEN: await mintToken(f.cp, f.cookie, "viewer") });
  assert.notEqual(viewer.code, 0);
  assert.match(viewer.stderr, /hosts\.manage|not allow/);
  await gantry(home, ["host", "uncordon", a.name], env);
});
