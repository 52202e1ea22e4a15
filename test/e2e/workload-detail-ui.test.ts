// The Deployment and Pod pages and a workload's merged logs as a user meets them (issue 15, items 2–4), in Debian's
// Chromium against a real control plane and two real agents joined as hosts (test/support/pod-fleet.ts): a Deployment
// made through the Kubernetes API turns ready on its open page; scaled from the page, its pods run on both hosts; a
// new image rolls out live (old and new ReplicaSets moving) and rolling back from the history brings the template
// back as a new revision; the Deployment's logs merge every replica's lines by time, including a replica that starts
// while the page is open; a pod's page shows a restarted container's last termination and previous log, and a terminal
// opens in its second container; a viewer sees the pages and no mutating control; restart makes a new revision; delete
// lists what cascades and takes it all.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { startPodFleet, type PodFleet } from "../support/pod-fleet";
import { launchBrowser, signedInPage as openSignedIn } from "../support/browser";
import { userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { pushBusybox } from "../support/docker-cli";

let f: PodFleet;
let browser: Browser;
let imageV2: string;
let owner: Page;
const pageErrors: string[] = [];

before(async () => {
  [f, browser] = await Promise.all([startPodFleet("gwd", 2), launchBrowser()]);
  [imageV2, owner] = await Promise.all([pushBusybox(f.registry.host, "v2"), signedInPage(f.cookie)]);
});

after(async () => {
  await browser?.close();
  await f?.stop();
});

const signedInPage = (cookie: string): Promise<Page> => openSignedIn(browser, f.cp.url, cookie, { errors: pageErrors });

const deployment = (image: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "app",
            image,
            imagePullPolicy: "IfNotPresent",
            // Each replica says which pod it is, twice a second; it ends (exit code 3) when told to by /tmp/stop.
            command: ["sh", "-c", 'i=0; while true; do i=$((i+1)); echo "line $i from $POD"; [ -f /tmp/stop ] && exit 3; sleep 0.5; done'],
            env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            // Ready a second after it starts: a rollout of 3 takes a few visible steps.
            readinessProbe: { exec: { command: ["true"] }, initialDelaySeconds: 1, periodSeconds: 1 },
          },
          { name: "side", image, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"], env: [{ name: "SIDE_MARK", value: "second-container" }] },
        ],
      },
    },
  },
});

async function kubectlJson(args: string[]) {
  return JSON.parse(await f.ok([...args, "-o", "json"]));
}

test("a Deployment made through the API turns ready on its open page; scaled from the page, its pods run on both hosts", async () => {
  await owner.goto(`${f.cp.url}/deployments/default/web`);
  await owner.getByTestId("deployment-missing").getByText("There is no such Deployment").waitFor();
  await f.ok(["create", "-f", "-"], JSON.stringify(deployment(f.image)));
  // No reload: the watch brings it, then its replica turns ready.
  await owner.getByTestId("replicas-ready").getByText("1", { exact: true }).waitFor({ timeout: 60_000 });
  await owner.locator('[data-testid="rollout"][data-phase="complete"]').waitFor({ timeout: 30_000 });

  await owner.getByRole("spinbutton", { name: "Replicas" }).fill("3");
  await owner.getByRole("button", { name: "Scale" }).click();
  await owner.getByTestId("replicas-ready").getByText("3", { exact: true }).waitFor({ timeout: 60_000 });
  assert.equal((await kubectlJson(["get", "deployment", "web"])).spec.replicas, 3, "the scale reached the API");
  // Grouped by host: both hosts hold pods, each Running.
  for (const h of f.hosts) {
    const group = owner.locator(`[data-testid="host-group"][data-node="${h.name}"]`);
    await group.waitFor();
    assert.ok((await group.getByTestId("pod-row").count()) >= 1, `pods on ${h.name}`);
    await group.getByRole("link", { name: h.name }).waitFor();
  }
  assert.equal(await owner.locator('[data-testid="pod-row"] [data-testid="pod-status"]', { hasText: "Running" }).count(), 3);
  // The scaling is among the Deployment's events.
  await owner.getByTestId("event-row").filter({ hasText: "ScalingReplicaSet" }).first().waitFor();
});

test("a new image rolls out live, and rolling back from the history brings the template back as a new revision", async () => {
  await f.ok(["set", "image", "deployment/web", `app=${imageV2}`]);
  // Live, without reload: the rollout in progress with the old and the new ReplicaSet, then complete.
  await owner.locator('[data-testid="rollout"][data-phase="progressing"]').waitFor({ timeout: 20_000 });
  await owner.locator('[data-testid="rollout-rs"][data-new="true"][data-revision="2"]').waitFor();
  await owner.locator('[data-testid="rollout-rs"][data-new="false"][data-revision="1"]').waitFor();
  await owner.locator('[data-testid="rollout"][data-phase="complete"]').waitFor({ timeout: 60_000 });
  await owner.getByTestId("deployment-images").getByText(`app: ${imageV2}`).waitFor();

  // History: two revisions; the diff of 1 → 2 is the image line.
  await owner.locator('[data-testid="revision-row"][data-revision="2"]').getByText("current").waitFor();
  const changed = await owner
    .locator('[data-testid="template-diff"] [data-testid="diff-line"]:not([data-op="same"])')
    .evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-op"), (r.lastElementChild?.lastChild?.textContent ?? "").trim()]));
  assert.deepEqual(changed, [["del", `image: ${f.image}`], ["add", `image: ${imageV2}`]]);

  // Paused, a rollback is refused as kubectl refuses it; resumed, it goes.
  await owner.getByRole("button", { name: "Pause rollout" }).click();
  await owner.locator('[data-testid="rollout"][data-phase="paused"]').waitFor();
  assert.equal((await kubectlJson(["get", "deployment", "web"])).spec.paused, true);
  await owner.locator('[data-testid="revision-row"][data-revision="1"]').getByRole("button", { name: "Roll back to 1" }).click();
  const dialog = owner.getByRole("dialog", { name: "Roll back to revision 1?" });
  await dialog.getByRole("button", { name: "Roll back to revision 1" }).click();
  await dialog.getByRole("alert").getByText("you cannot rollback a paused deployment; resume it first").waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await owner.getByRole("button", { name: "Resume rollout" }).click();
  await owner.locator('[data-testid="rollout"][data-phase="complete"]').waitFor();
  assert.equal((await kubectlJson(["get", "deployment", "web"])).spec.paused, false);

  await owner.locator('[data-testid="revision-row"][data-revision="1"]').getByRole("button", { name: "Roll back to 1" }).click();
  await dialog.getByTestId("template-diff").waitFor();
  await dialog.getByRole("button", { name: "Roll back to revision 1" }).click();
  // The template returns, as revision 3 (the old ReplicaSet's, renumbered), and rolls out.
  await owner.locator('[data-testid="revision-row"][data-revision="3"]').getByText("current").waitFor({ timeout: 30_000 });
  await owner.getByTestId("deployment-images").getByText(`app: ${f.image}`).waitFor();
  await owner.locator('[data-testid="rollout"][data-phase="complete"]').waitFor({ timeout: 60_000 });
  const d = await kubectlJson(["get", "deployment", "web"]);
  assert.equal(d.spec.template.spec.containers[0].image, f.image);
  assert.equal(d.spec.template.metadata.labels["pod-template-hash"], undefined, "the hash label is not copied back");
  assert.equal(d.metadata.annotations["deployment.kubernetes.io/revision"], "3");
  const rss = (await kubectlJson(["get", "replicasets", "-l", "app=web"])).items as Array<{ metadata: { annotations: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } }>;
  const back = rss.find((rs) => rs.metadata.annotations["deployment.kubernetes.io/revision"] === "3")!;
  assert.equal(back.spec.template.spec.containers[0]!.image, f.image);
  assert.equal(back.metadata.annotations["deployment.kubernetes.io/revision-history"], "1");
  assert.equal(back.spec.replicas, 3);
});

/** The pod/container labels of the log lines drawn now. */
const drawnLabels = (page: Page) => page.locator('[data-testid="log-line"]').evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute("data-container") ?? ""))].sort());

test("the Deployment's logs merge every replica's lines by time, and follow a replica that starts while the page is open", async () => {
  const podNames = async () => ((await kubectlJson(["get", "pods", "-l", "app=web"])).items as Array<{ metadata: { name: string; deletionTimestamp?: string } }>).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
  const before = await podNames();
  assert.equal(before.length, 3);
  await owner.goto(`${f.cp.url}/deployments/default/web`);
  await owner.getByRole("link", { name: "Logs of every replica" }).click();
  await owner.waitForURL(/\/logs\?deployment=default%2Fweb$/);
  await owner.getByRole("heading", { name: "Logs: Deployment default/web" }).waitFor();
  const want = before.map((p) => `${p}/app`);
  await waitFor("a line of every replica", async () => {
    const drawn = await drawnLabels(owner);
    return want.every((w) => drawn.includes(w)) || undefined;
  }, 30_000);
  // Lines are each the pod's own, and merged by time.
  // One snapshot of the drawn rows (they move while lines arrive), in the order drawn (top to bottom).
  const rows = await owner.locator('[data-testid="log-line"]').evaluateAll((els) =>
    els
      .map((r) => ({ top: parseFloat((r as HTMLElement).style.top), label: r.getAttribute("data-container") ?? "", time: Date.parse(r.getAttribute("data-time") ?? ""), text: r.querySelector('[data-testid="log-text"]')?.textContent ?? "" }))
      .sort((a, b) => a.top - b.top),
  );
  assert.ok(rows.length > 8);
  for (const r of rows) assert.match(r.text, new RegExp(`^line \\d+ from ${r.label.replace(/\/app$/, "")}$`), "each line is labelled by its own pod");
  const times = rows.map((r) => r.time);
  assert.deepEqual([...times].sort((a, b) => a - b), times, "merged by time");

  await f.ok(["scale", "deployment/web", "--replicas=4"]);
  const fourth = await waitFor("the fourth pod", async () => (await podNames()).find((p) => !before.includes(p)), 30_000);
  await owner.locator(`[data-testid="log-line"][data-container="${fourth}/app"]`).first().waitFor({ timeout: 30_000 });
  await owner.locator(`[data-testid="logs-source"][data-container="${fourth}/app"]`).waitFor();
  const drawn = await drawnLabels(owner);
  for (const w of [...want, `${fourth}/app`]) assert.ok(drawn.includes(w), `${w} among ${drawn.join(", ")}`);

  // The same pods by label selector.
  await owner.goto(`${f.cp.url}/logs?namespace=default&selector=${encodeURIComponent("app=web")}`);
  await owner.getByRole("heading", { name: "Logs: pods in default matching app=web" }).waitFor();
  await waitFor("a line of every replica by selector", async () => {
    const seen = await drawnLabels(owner);
    return [...want, `${fourth}/app`].every((w) => seen.includes(w)) || undefined;
  }, 30_000);
});

/** What the terminal shows now, one string per row (xterm's DOM renderer draws a div per row). */
async function screen(page: Page): Promise<string[]> {
  return page.locator(".xterm-rows > div").evaluateAll((rows) => rows.map((r) => (r.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()));
}

test("a pod's page: its containers, host and logs; a terminal in its second container runs a command", async () => {
  const pod = ((await kubectlJson(["get", "pods", "-l", "app=web"])).items as Array<{ metadata: { name: string }; spec: { nodeName: string }; status: { podIP: string } }>)[0]!;
  // Its app container ends with exit code 3 and is started again: a last termination and a previous run to read.
  await f.ok(["exec", pod.metadata.name, "-c", "app", "--", "touch", "/tmp/stop"]);
  await waitFor("the app container restarted", async () => {
    const cs = (await kubectlJson(["get", "pod", pod.metadata.name])).status.containerStatuses.find((c: { name: string }) => c.name === "app");
    return (cs.restartCount === 1 && cs.state.running) || undefined;
  }, 30_000);
  await owner.goto(`${f.cp.url}/pods/default/${pod.metadata.name}`);
  await owner.getByRole("heading", { name: `Pod default/${pod.metadata.name}` }).waitFor();
  for (const c of ["app", "side"]) await owner.locator(`[data-testid="container-row"][data-container="${c}"] [data-testid="container-state"][data-kind="running"]`).waitFor();
  await owner.locator('[data-testid="container-row"][data-container="app"]').getByText("Readiness:").waitFor();
  await owner.getByTestId("pod-node").getByText(pod.spec.nodeName).waitFor();
  await owner.getByTestId("pod-ip").getByText(pod.status.podIP).waitFor();
  await owner.getByRole("link", { name: "Deployment web" }).waitFor();
  const app = owner.locator('[data-testid="container-row"][data-container="app"]');
  await app.getByTestId("container-restarts").getByText("1", { exact: true }).waitFor();
  await app.getByTestId("container-last-termination").getByText(/^Error \(exit code 3\) at /).waitFor();
  // Logs of the chosen container: app's lines; the previous run's end with it.
  await owner.locator('[data-testid="log-line"]').filter({ hasText: `from ${pod.metadata.name}` }).first().waitFor({ timeout: 20_000 });
  await owner.getByLabel("Previous container").check();
  await owner.getByTestId("pod-logs-status").getByText("The log ended: the container is not running.").waitFor({ timeout: 20_000 });
  const previous = await owner.locator('[data-testid="log-line"] [data-testid="log-text"]').allTextContents();
  assert.ok(previous.length > 0 && previous.every((t) => t.endsWith(`from ${pod.metadata.name}`)), previous.join("\n"));

  await owner.getByLabel("Container", { exact: true }).last().selectOption("side");
  await owner.getByRole("button", { name: "Open terminal" }).click();
  await owner.locator('[data-testid="pod-terminal"][data-container="side"]').waitFor();
  await owner.locator('[data-testid="terminal-status"][data-state="running"]').waitFor({ timeout: 30_000 });
  await owner.locator(".xterm-helper-textarea").focus();
  await owner.keyboard.type("echo in-$SIDE_MARK-$((6*7))");
  await owner.keyboard.press("Enter");
  await waitFor("the command's output", async () => ((await screen(owner)).some((r) => r === "in-second-container-42") ? true : undefined), 20_000);
});

test("a viewer sees the Deployment and Pod pages and no mutating control", async () => {
  const viewer = await signedInPage((await userSession(f.cp, f.cookie, "viewer")).cookie);
  await viewer.goto(`${f.cp.url}/deployments/default/web`);
  await viewer.getByTestId("replicas-ready").getByText("4", { exact: true }).waitFor({ timeout: 30_000 });
  await viewer.locator('[data-testid="revision-row"][data-revision="3"]').waitFor();
  await viewer.getByTestId("template-diff").waitFor();
  await viewer.getByRole("link", { name: "View YAML" }).waitFor();
  const main = viewer.locator("main");
  assert.equal(await main.getByRole("button").count(), 0, `no buttons, saw: ${(await main.getByRole("button").allTextContents()).join(", ")}`);
  assert.equal(await viewer.getByRole("spinbutton", { name: "Replicas" }).count(), 0);
  assert.equal(await viewer.getByRole("link", { name: "Logs of every replica" }).count(), 0, "a viewer may not read logs");

  const podName = await viewer.getByTestId("pod-row").first().getAttribute("data-pod");
  await viewer.getByRole("link", { name: podName! }).click();
  await viewer.getByRole("heading", { name: `Pod default/${podName}` }).waitFor();
  await viewer.locator('[data-testid="container-row"][data-container="side"]').waitFor();
  assert.equal(await main.getByRole("button").count(), 0);
  assert.equal(await viewer.locator(".xterm").count(), 0);
  assert.equal(await viewer.getByRole("heading", { name: "Terminal" }).count(), 0);
});

test("restart replaces the pods as a new revision; delete lists what cascades first, then takes it all", async () => {
  await owner.goto(`${f.cp.url}/deployments/default/web`);
  await owner.getByTestId("replicas-ready").getByText("4", { exact: true }).waitFor({ timeout: 30_000 });
  await owner.getByRole("button", { name: "Restart" }).click();
  await owner.locator('[data-testid="revision-row"][data-revision="4"]').getByText("current").waitFor({ timeout: 30_000 });
  const restartedAt = (await kubectlJson(["get", "deployment", "web"])).spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"];
  assert.match(restartedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await owner.locator('[data-testid="rollout"][data-phase="complete"]').waitFor({ timeout: 60_000 });
  await owner.getByTestId("replicas-ready").getByText("4", { exact: true }).waitFor({ timeout: 30_000 });

  await owner.getByRole("button", { name: "Delete" }).click();
  const dialog = owner.getByRole("dialog", { name: "Delete Deployment web?" });
  const cascade = dialog.getByTestId("delete-cascade");
  // Revision 1's ReplicaSet became revision 3 on the rollback, and the restart made revision 4: three in all.
  await cascade.getByText("3 ReplicaSets").waitFor();
  await cascade.getByText("4 pods").waitFor();
  await dialog.getByLabel("How").selectOption("Foreground");
  await dialog.getByRole("button", { name: "Delete Deployment" }).click();
  await owner.waitForURL(/\/deployments\?namespace=default$/);
  await waitFor("everything gone", async () => {
    const left = await f.k.run(["get", "deployments,replicasets,pods", "-l", "app=web", "-o", "name"]);
    const dep = await f.k.run(["get", "deployment", "web"]);
    return left.stdout.trim() === "" && dep.code !== 0 ? true : undefined;
  }, 60_000);
  assert.deepEqual(pageErrors, []);
});
