// The workloads lists as a user meets them (issue 15, items 1 and 7), in Debian's Chromium against a real control plane
// with two joined hosts running real pods: a Deployment made with kubectl shows its pods on /pods without a reload;
// filters by label and name, sort by name; the namespace switcher's choice is remembered across a reload; a Secret's
// value stays hidden from a viewer (no Reveal, the route refuses) and is revealed to an operator with an activity row
// written; a node cordoned from its page gets no new pod, and drained, its controlled pods move to the other host;
// the fleet map shows the pods per host; a viewer sees no mutating control on any of these pages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { startPodFleet, type PodFleet } from "../support/pod-fleet";
import { launchBrowser, signedInPage as openSignedIn } from "../support/browser";
import { api, userSession } from "../support/session";
import { until } from "../k8s/support";

let fleet: PodFleet;
let browser: Browser;
let operator: string;
let viewer: string;
const ns = `wl-${randomInt(1e6)}`;
const pageErrors: string[] = [];

type Pod = { metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase?: string } };

before(async () => {
  [fleet, browser] = await Promise.all([startPodFleet("wll"), launchBrowser()]);
  operator = (await userSession(fleet.cp, fleet.cookie, "operator")).cookie;
  viewer = (await userSession(fleet.cp, fleet.cookie, "viewer")).cookie;
  await fleet.ok(["create", "namespace", ns]);
  await fleet.ok(["apply", "-f", "-"], JSON.stringify(deployment("web", 4)));
});

after(async () => {
  await browser?.close();
  await fleet?.stop();
});

function deployment(name: string, replicas: number) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: "front" } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: fleet.image, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }] },
      },
    },
  };
}

async function pods(selector: string): Promise<Pod[]> {
  return (JSON.parse(await fleet.ok(["get", "pods", "-n", ns, "-l", selector, "-o", "json"])).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
}

const signedInPage = (cookie: string): Promise<Page> => openSignedIn(browser, fleet.cp.url, cookie, { errors: pageErrors });

const podRows = (page: Page) => page.getByRole("table", { name: "Pods" }).locator("tbody tr[data-uid]");

test("pods appear live, filter by label and name, sort, and the namespace switcher is remembered", async () => {
  const page = await signedInPage(fleet.cookie);
  await page.goto(`${fleet.cp.url}/pods?namespace=${ns}`);
  await page.getByRole("heading", { name: "Pods", exact: true }).waitFor();
  await podRows(page).nth(3).waitFor({ timeout: 30_000 });

  // A bare pod made now shows up on the open page by itself, running on a host.
  await fleet.ok(["run", "solo", "-n", ns, "--image", fleet.image, "--image-pull-policy=IfNotPresent", "--labels", "app=solo", "--", "sleep", "3600"]);
  const solo = page.getByRole("row").filter({ has: page.getByRole("link", { name: "solo", exact: true }) });
  await solo.getByText("Running").waitFor({ timeout: 60_000 });
  const soloPod = (await pods("app=solo"))[0]!;
  await solo.getByRole("link", { name: soloPod.spec.nodeName! }).waitFor();
  await solo.getByText("1/1").waitFor();

  await page.getByLabel("Label selector").fill("app=solo");
  await until(async () => (await podRows(page).count()) === 1, 5_000, "only solo by label");
  await page.getByLabel("Label selector").fill("tier=front,app in (web)");
  await until(async () => (await podRows(page).count()) === 4, 5_000, "the four web pods by label");
  await page.getByLabel("Label selector").fill("");
  await page.getByLabel("Filter by name").fill("sol");
  await until(async () => (await podRows(page).count()) === 1, 5_000, "only solo by name");
  await page.getByLabel("Filter by name").fill("");

  // Sorted by name (natural order: "web-9…" before "web-97…", as pod names' random suffixes need), then the other way round.
  const names = async () => (await podRows(page).locator("td:first-child").allTextContents()).map((s) => s.trim());
  await until(async () => (await names()).length === 5, 5_000, "five pods");
  const ascending = await names();
  const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  assert.deepEqual(ascending, [...ascending].sort(natural.compare));
  await page.getByRole("button", { name: "Name" }).click();
  await until(async () => (await names())[0] === ascending.at(-1), 5_000, "sorted by name, descending");
  assert.deepEqual(await names(), [...ascending].reverse());

  // The switcher: all namespaces, then back to this one; /pods without ?namespace= opens the last choice, after a reload too.
  await page.getByLabel("Namespace").selectOption("all");
  await page.waitForURL(/namespace=all/);
  await page.getByRole("columnheader", { name: "Namespace" }).waitFor();
  await page.getByLabel("Namespace").selectOption(ns);
  await page.waitForURL(new RegExp(`namespace=${ns}`));
  await page.goto(`${fleet.cp.url}/pods`);
  await page.waitForURL(new RegExp(`/pods\\?namespace=${ns}`));
  await podRows(page).nth(4).waitFor();
  await page.reload();
  await page.goto(`${fleet.cp.url}/deployments`);
  await page.waitForURL(new RegExp(`/deployments\\?namespace=${ns}`));
  const web = page.getByRole("row").filter({ has: page.getByRole("link", { name: "web", exact: true }) });
  await web.getByText("4/4").waitFor({ timeout: 60_000 });
  await web.getByText("Available").waitFor();
  await page.close();
});

test("a Secret's value is hidden from a viewer and revealed to an operator, with an activity row", async () => {
  await fleet.ok(["create", "secret", "generic", "db", "-n", ns, "--from-literal=password=s3cret-value", "--from-literal=user=admin"]);
  const v = await signedInPage(viewer);
  await v.goto(`${fleet.cp.url}/secrets/${ns}/db`);
  const row = v.getByRole("row").filter({ hasText: "password" });
  await row.getByText("12 bytes").waitFor();
  await row.getByText("hidden").waitFor();
  assert.equal(await v.getByRole("button", { name: /Reveal/ }).count(), 0, "a viewer has no Reveal");
  assert.equal(await v.getByText("s3cret-value").count(), 0);
  const refused = await api(fleet.cp, viewer).post(`/api/v1/namespaces/${ns}/secrets/db/reveal`, { key: "password" });
  assert.equal(refused.status, 403);
  await v.close();

  const o = await signedInPage(operator);
  await o.goto(`${fleet.cp.url}/secrets/${ns}/db`);
  await o.getByRole("button", { name: "Reveal password" }).click();
  await o.getByLabel("Value of password").getByText("s3cret-value").waitFor();
  assert.equal(await o.getByText("admin", { exact: true }).count(), 0, "only the value asked for is revealed");
  await o.close();
  const activity = await api(fleet.cp, fleet.cookie).get("/api/v1/activity?action=k8s.secrets.read");
  const revealed = activity.body.items.filter((a: { target: string }) => a.target === `namespaces/${ns}/secrets/db/reveal`);
  assert.equal(revealed.length, 1, JSON.stringify(activity.body.items));
  assert.equal(revealed[0].outcome, "ok");
  assert.match(revealed[0].text, new RegExp(`revealed secret ${ns}/db key password`));
  const bad = await api(fleet.cp, operator).post(`/api/v1/namespaces/${ns}/secrets/db/reveal`, { key: "nope" });
  assert.equal(bad.status, 404);
  const invalid = await api(fleet.cp, operator).post(`/api/v1/namespaces/${ns}/secrets/db/reveal`, { key: "" });
  assert.equal(invalid.status, 422);
  assert.match(JSON.stringify(invalid.body), /key/);
});

test("a node cordoned from its page gets no new pod; drained, its controlled pods move to the other host; the fleet map follows", async () => {
  await until(async () => (await pods("app=web")).every((p) => p.status.phase === "Running"), 60_000, "web running");
  const web = await pods("app=web");
  const names = fleet.hosts.map((h) => h.name);
  // Drain the host that holds the most web pods (the scheduler spreads them, but do not depend on it).
  const count = (host: string) => web.filter((p) => p.spec.nodeName === host).length;
  const [target, other] = count(names[0]!) >= count(names[1]!) ? [names[0]!, names[1]!] : [names[1]!, names[0]!];
  assert.ok(count(target) > 0);

  const page = await signedInPage(operator);
  await page.goto(`${fleet.cp.url}/nodes/${target}`);
  await page.getByRole("heading", { name: target }).waitFor();
  await page.getByRole("button", { name: "Cordon", exact: true }).click();
  await page.getByText("cordoned").first().waitFor();
  await page.getByRole("button", { name: "Uncordon", exact: true }).waitFor();
  assert.equal(JSON.parse(await fleet.ok(["get", "node", target, "-o", "json"])).spec.unschedulable, true);

  await fleet.ok(["apply", "-f", "-"], JSON.stringify(deployment("after", 3)));
  await until(async () => (await pods("app=after")).filter((p) => p.spec.nodeName).length === 3, 60_000, "the new pods scheduled");
  assert.deepEqual([...new Set((await pods("app=after")).map((p) => p.spec.nodeName))], [other], "a cordoned node gets no new pod");

  await page.getByRole("button", { name: "Drain", exact: true }).click();
  const dialog = page.getByRole("dialog");
  const listed = dialog.getByRole("list", { name: "Pods to delete" }).getByRole("listitem");
  await until(async () => (await listed.count()) === count(target), 5_000, "the pods to delete listed first");
  for (const p of web.filter((x) => x.spec.nodeName === target)) await listed.filter({ hasText: p.metadata.name }).waitFor();
  await dialog.getByRole("button", { name: `Drain ${target}` }).click();
  await page.getByText(/Drained: \d+ pods? deleted/).waitFor({ timeout: 30_000 });
  await until(
    async () => {
      const now = await pods("app=web");
      return now.length === 4 && now.every((p) => p.spec.nodeName === other && p.status.phase === "Running");
    },
    60_000,
    "the web pods all running on the other host",
  );

  // The fleet map: every web pod on the other host, none on the drained one.
  await page.goto(`${fleet.cp.url}/fleet-map?namespace=${ns}&selector=app%3Dweb`);
  const cells = (host: string) => page.getByRole("list", { name: `Pods on ${host}` }).getByRole("listitem");
  await until(async () => (await cells(other).count()) === 4, 15_000, "four web pods on the other host's card");
  // A drained pod shows on its host until that host has stopped it (Terminating, as kubectl lists it): then it goes.
  await until(async () => (await cells(target).count()) === 0, 30_000, "no pod left on the drained host's card");
  await page.getByRole("region", { name: `Host ${target}` }).getByText("cordoned").waitFor();
  await page.getByLabel("Label selector").fill("app=after");
  await until(async () => (await cells(other).count()) === 3, 5_000, "the filter by workload");

  await page.goto(`${fleet.cp.url}/nodes/${target}`);
  await page.getByRole("button", { name: "Uncordon", exact: true }).click();
  await page.getByRole("button", { name: "Cordon", exact: true }).waitFor();
  assert.notEqual(JSON.parse(await fleet.ok(["get", "node", target, "-o", "json"])).spec.unschedulable, true);
  await page.close();
});

test("a viewer sees every list and no mutating control", async () => {
  const node = fleet.hosts[0]!.name;
  const lists = [
    [`/pods?namespace=${ns}`, "Pods"],
    [`/deployments?namespace=${ns}`, "Deployments"],
    [`/replicasets?namespace=${ns}`, "ReplicaSets"],
    [`/secrets?namespace=${ns}`, "Secrets"],
    [`/configmaps?namespace=${ns}`, "ConfigMaps"],
    [`/services?namespace=${ns}`, "Services"],
    [`/events?namespace=${ns}`, "Events"],
    [`/nodes`, "Nodes"],
    [`/nodes/${node}`, node],
    [`/fleet-map?namespace=${ns}`, "Fleet map"],
  ];
  // Three of the viewer's tabs go through the lists side by side (each list is read and checked as before).
  let next = 0;
  await Promise.all([0, 1, 2].map(async () => {
    const page = await signedInPage(viewer);
    while (next < lists.length) {
      const [path, heading] = lists[next++]!;
      await page.goto(`${fleet.cp.url}${path}`);
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      await page.getByText(/Loading…/).first().waitFor({ state: "detached", timeout: 15_000 });
      for (const control of [/^Create( |$)/, /Edit YAML/, /^Cordon$/, /^Uncordon$/, /^Drain/, /^Reveal/, /^Delete/]) {
        assert.equal(await page.getByRole("link", { name: control }).count(), 0, `${path}: link ${control}`);
        assert.equal(await page.getByRole("button", { name: control }).count(), 0, `${path}: button ${control}`);
      }
    }
    await page.context().close();
  }));
  // The same pages give an operator the controls (the check above is not vacuous).
  const op = await signedInPage(operator);
  await op.goto(`${fleet.cp.url}/pods?namespace=${ns}`);
  await op.getByRole("link", { name: "Create pod" }).waitFor();
  await op.getByRole("row").filter({ hasText: "web-" }).first().getByRole("link", { name: "Edit YAML" }).waitFor();
  assert.deepEqual(pageErrors, []);
});
