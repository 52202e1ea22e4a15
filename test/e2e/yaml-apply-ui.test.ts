// Apply YAML and Edit YAML as a user meets them (issue 15, item 5), in Debian's Chromium against a real control plane
// with a joined host: a Namespace, a ConfigMap and a Deployment pasted into the editor are dry-run (the diff is shown,
// nothing exists yet) and then applied; a batch with a bad field is refused at the field's line with the API's message
// and nothing of it is applied; a YAML syntax error and an unknown kind are shown at their lines; the Deployment's YAML
// edited while someone changes it through the API meanwhile is a conflict, reloaded without losing the text, then
// saved; a viewer gets no editor.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser, signedInPage as openSignedIn } from "../support/browser";
import { userSession } from "../support/session";
import { kapi, kubeEndpoint, mintToken, until, type KubeEndpoint } from "../k8s/support";
import { stripNoise, toYaml } from "../../lib/kube-yaml/strip-noise";

let f: FleetHost;
let browser: Browser;
let ep: KubeEndpoint;
let k: ReturnType<typeof kapi>;
const pageErrors: string[] = [];
const ns = `shop-${Date.now().toString(36)}`;

before(async () => {
  [f, browser] = await Promise.all([startFleetHost("gya"), launchBrowser()]);
  ep = await kubeEndpoint(f.cp);
  k = kapi(ep, await mintToken(f.cp, f.ownerCookie));
});

after(async () => {
  await browser?.close();
  await ep?.close();
  await f?.destroy();
});

const signedInPage = (cookie: string, opts: { colorScheme?: "dark" | "light" } = {}): Promise<Page> =>
  openSignedIn(browser, f.cp.url, cookie, { errors: pageErrors, ...opts });

/** Replaces the editor's whole text as a user pasting would. */
async function typeInto(page: Page, label: string, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: label, exact: true });
  await box.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await box.fill(text);
}

const get = (path: string) => k.request("GET", path);

/** Waits until the object's resourceVersion holds still for a second (its controller done writing its status). */
async function settled(path: string): Promise<void> {
  let last = "";
  let since = Date.now();
  await until(async () => {
    const rv = (await get(path)).body.metadata.resourceVersion as string;
    if (rv !== last) [last, since] = [rv, Date.now()];
    return Date.now() - since >= 1_000;
  }, 30_000, `${path} to settle`);
}

function batch(opts: { replicas?: number; container?: string; cm?: string } = {}): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${opts.cm ?? "settings"}
  namespace: ${ns}
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: ${opts.replicas ?? 1}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: ${opts.container ?? "web"}
          image: ${f.image}
          imagePullPolicy: IfNotPresent
          command: ["sleep", "3600"]
`;
}

test("a Namespace, a ConfigMap and a Deployment: the dry run's diff first with nothing made, then applied in order", async () => {
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/hosts`);
  await page.getByRole("link", { name: "Apply YAML" }).click();
  await page.getByRole("heading", { name: "Apply YAML" }).waitFor();
  await typeInto(page, "YAML to apply", batch());
  await page.getByRole("button", { name: "Review" }).click();

  const doc = (i: number, title: string) => page.getByRole("listitem", { name: `Document ${i}: ${title}` });
  await doc(1, `Namespace ${ns}`).getByText("will be created").waitFor();
  await doc(2, `ConfigMap ${ns}/settings`).getByText("will be created").waitFor();
  await doc(3, `Deployment ${ns}/web`).getByText("will be created").waitFor();
  await page.getByText("Dry run passed for 3 objects. Nothing has been applied yet.").waitFor();
  // The diff's right side is the dry run's answer: the user's fields and the server's defaults, no bookkeeping.
  const afterSide = doc(3, `Deployment ${ns}/web`).getByRole("textbox", { name: "Diff of document 3: After applying (dry run)" });
  await afterSide.getByText("replicas: 1").waitFor();
  await afterSide.getByText("type: RollingUpdate").waitFor(); // defaulted by the API, not in the text
  assert.doesNotMatch((await afterSide.textContent()) ?? "", /managedFields|resourceVersion|uid:/);
  await doc(2, `ConfigMap ${ns}/settings`).getByRole("textbox", { name: "Diff of document 2: After applying (dry run)" }).getByText("mode: fast").waitFor();
  // Nothing exists yet.
  assert.equal((await get(`/api/v1/namespaces/${ns}`)).status, 404);
  assert.equal((await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).status, 404);

  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await page.getByText("Applied 3 objects.").waitFor();
  for (const i of [1, 2, 3]) await page.getByRole("listitem", { name: new RegExp(`^Document ${i}:`) }).getByText("applied: created").waitFor();
  assert.equal((await get(`/api/v1/namespaces/${ns}`)).status, 200);
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/settings`)).body.data.mode, "fast");
  const deploy = await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
  assert.equal(deploy.status, 200);
  assert.equal(deploy.body.spec.replicas, 1);
  assert.ok(deploy.body.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === "gantry-dashboard" && m.operation === "Apply"));

  // Reviewed again, the same text changes nothing; a changed replica count is a diff against what runs.
  await page.getByRole("button", { name: "Review" }).click();
  await doc(3, `Deployment ${ns}/web`).getByText("unchanged", { exact: true }).waitFor();
  await doc(1, `Namespace ${ns}`).getByText("unchanged", { exact: true }).waitFor();
  // The Deployment as `kubectl get -o yaml` prints it (managedFields, uid, status…), with another replica count: what
  // only the server writes is left out of the apply, and said so.
  const printed = (await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).body;
  delete printed.metadata.resourceVersion; // its controller may move it meanwhile; a precondition is not this test's point
  printed.spec.replicas = 2;
  await typeInto(page, "YAML to apply", `${batch().split("---\n").slice(0, 2).join("---\n")}---\n${toYaml(printed)}`);
  await page.getByText("The text changed since the review: review again before applying.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Apply", exact: true }).isDisabled(), true);
  await page.getByRole("button", { name: "Review" }).click();
  const changed = doc(3, `Deployment ${ns}/web`);
  await changed.getByText("will be changed").waitFor();
  await changed.getByText("left out, as the server keeps them: metadata.managedFields, metadata.uid, metadata.creationTimestamp, metadata.generation, status").waitFor();
  await changed.getByRole("textbox", { name: "Diff of document 3: Live now" }).getByText("replicas: 1").waitFor();
  await changed.getByRole("textbox", { name: "Diff of document 3: After applying (dry run)" }).getByText("replicas: 2").waitFor();
  assert.equal((await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).body.spec.replicas, 1, "a review writes nothing");
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});

test("a refused field is shown at its line with the API's message and nothing of the batch is applied; syntax errors and unknown kinds at their lines", async () => {
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/apply?namespace=${ns}`);
  // Document 2 (a new ConfigMap) is fine; document 3 has replicas: -1 (line 20) and a container named Bad_Name (line 31).
  await typeInto(page, "YAML to apply", batch({ replicas: -1, container: "Bad_Name", cm: "second" }));
  await page.getByRole("button", { name: "Review" }).click();
  const problems = page.locator("#apply-problems");
  await problems.getByText("Nothing was applied: document 3 was refused").waitFor();
  await problems.getByRole("listitem").filter({ has: page.getByRole("button", { name: "Line 20" }) }).getByText("spec.replicas: Invalid value: -1: must be greater than or equal to 0").waitFor();
  await problems.getByRole("listitem").filter({ has: page.getByRole("button", { name: "Line 31" }) }).getByText(/spec\.template\.spec\.containers\[0\]\.name: Invalid value: "Bad_Name"/).waitFor();
  // The editor marks the lines themselves, with the message under each.
  await page.locator('.cm-gantry-error-line[data-error-line="20"]').waitFor();
  await page.locator('.cm-gantry-error-line[data-error-line="31"]').waitFor();
  await page.locator(".cm-gantry-error-message").filter({ hasText: "Line 20: document 3 (Deployment web): spec.replicas: Invalid value: -1" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Apply", exact: true }).isDisabled(), true);
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/second`)).status, 404, "the good document before it was not applied");
  assert.equal((await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).body.spec.replicas, 1);

  // A YAML syntax error in an uploaded file, at its line, before anything is sent.
  const broken = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: third\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fourth\ndata:\n  a: "unclosed\n  b: c\n`;
  await page.getByLabel("Upload a file").setInputFiles({ name: "broken.yaml", mimeType: "application/yaml", buffer: Buffer.from(broken) });
  await page.getByRole("textbox", { name: "YAML to apply", exact: true }).getByText('a: "unclosed').waitFor();
  await page.getByRole("button", { name: "Review" }).click();
  await problems.getByRole("listitem").filter({ hasText: "YAML syntax error" }).getByRole("button", { name: "Line 11" }).waitFor();
  await page.locator('.cm-gantry-error-line[data-error-line="11"]').waitFor();

  // A kind the server does not serve is refused by name, at the kind's line.
  await typeInto(page, "YAML to apply", `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: third\n---\napiVersion: example.com/v1\nkind: Frobnicator\nmetadata:\n  name: x\n`);
  await page.getByRole("button", { name: "Review" }).click();
  await problems.getByRole("listitem").filter({ has: page.getByRole("button", { name: "Line 7" }) }).getByText('document 2: unknown kind "Frobnicator" in apiVersion "example.com/v1": this server does not serve it').waitFor();
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/third`)).status, 404);

  // Reviewed clean, but someone makes the first object with another value before Apply: the real apply is refused at
  // the field's line (a conflict with their field manager), and the document after it is not sent.
  await typeInto(page, "YAML to apply", `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  namespace: ${ns}\ndata:\n  mode: fast\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-late\n  namespace: ${ns}\n`);
  await page.getByRole("button", { name: "Review" }).click();
  await page.getByText("Dry run passed for 2 objects. Nothing has been applied yet.").waitFor();
  const made = await k.request("POST", `/api/v1/namespaces/${ns}/configmaps?fieldManager=someone-else`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late" }, data: { mode: "slow" } });
  assert.equal(made.status, 201);
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const refused = page.locator("#apply-problems");
  await refused.getByText("Document 1 was refused when applied").waitFor();
  await refused.getByRole("listitem").filter({ has: page.getByRole("button", { name: "Line 7" }) }).getByText('data.mode: conflict with "someone-else"').waitFor();
  await page.locator('.cm-gantry-error-line[data-error-line="7"]').waitFor();
  await page.getByRole("listitem", { name: `Document 2: ConfigMap ${ns}/after-late` }).getByText("not applied").waitFor();
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/after-late`)).status, 404);
  assert.equal((await get(`/api/v1/namespaces/${ns}/configmaps/late`)).body.data.mode, "slow");
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});

test("Edit YAML: a change made through the API meanwhile is a conflict; reload keeps the text, and saving then works", async () => {
  const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
  // Reached as a user would: Apply YAML's result links each object's YAML (the batch again: nothing changes).
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/apply`);
  await typeInto(page, "YAML to apply", batch());
  await page.getByRole("button", { name: "Review" }).click();
  await page.getByRole("listitem", { name: `Document 3: Deployment ${ns}/web` }).getByText("unchanged", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const link = page.getByRole("listitem", { name: `Document 3: Deployment ${ns}/web` }).getByRole("link", { name: "Edit YAML" });
  await link.waitFor();
  // The Deployment settles first (its controller's status writes move the resourceVersion too, as in Kubernetes).
  await until(async () => (await get(path)).body.status?.availableReplicas === 1, 60_000, "the Deployment available");
  await settled(path);
  const loaded = (await get(path)).body;
  await link.click();
  await page.waitForURL((u) => u.pathname === "/edit" && u.searchParams.get("kind") === "Deployment" && u.searchParams.get("name") === "web" && u.searchParams.get("namespace") === ns);
  await page.getByRole("heading", { name: `Edit YAML: Deployment ${ns}/web` }).waitFor();
  const box = page.getByRole("textbox", { name: `YAML of Deployment ${ns}/web`, exact: true });
  await box.getByText("replicas: 1").waitFor();
  await page.getByText(`loaded at resourceVersion ${loaded.metadata.resourceVersion}`).waitFor();
  assert.doesNotMatch((await box.textContent()) ?? "", /managedFields|status:|resourceVersion/);

  const mine = toYaml(stripNoise(loaded)).replace("replicas: 1", "replicas: 2");
  assert.notEqual(mine, toYaml(stripNoise(loaded)));
  await typeInto(page, `YAML of Deployment ${ns}/web`, mine);
  await page.getByRole("button", { name: "Review changes" }).click();
  await page.getByRole("textbox", { name: "Diff of the update: After saving (dry run)" }).getByText("replicas: 2").waitFor();
  await page.getByRole("textbox", { name: "Diff of the update: Live as loaded" }).getByText("replicas: 1").waitFor();

  // Meanwhile, someone else changes the Deployment through the API.
  const other = await k.request("PATCH", path, { metadata: { annotations: { "example.com/changed-by": "someone-else" } } }, { "content-type": "application/merge-patch+json" });
  assert.equal(other.status, 200);
  await settled(path);
  const changedRv = (await get(path)).body.metadata.resourceVersion as string;

  await page.getByRole("button", { name: "Save" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "was changed by someone else since you opened it" });
  await alert.getByText(`resourceVersion ${loaded.metadata.resourceVersion} → ${changedRv}`).waitFor();
  await alert.getByRole("textbox", { name: "Live now against your text: Live now (changed by someone else)" }).getByText("example.com/changed-by: someone-else").waitFor();
  assert.equal((await get(path)).body.spec.replicas, 1, "nothing was saved");

  await alert.getByRole("button", { name: "Reload, keep my text" }).click();
  await box.getByText("replicas: 2").waitFor();
  await page.getByText(`will now be saved over resourceVersion ${changedRv}`).waitFor();
  await page.getByRole("button", { name: "Review changes" }).click();
  // The review now compares against the new version: saving this text drops the other change, and says so.
  await page.getByRole("textbox", { name: "Diff of the update: Live as loaded" }).getByText("example.com/changed-by: someone-else").waitFor();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText(/^Saved Deployment .*\/web \(resourceVersion \d+\)\.$/).waitFor();
  const saved = (await get(path)).body;
  assert.equal(saved.spec.replicas, 2);
  assert.ok(saved.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === "gantry-dashboard" && m.operation === "Update"));
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});

test("a viewer gets no editor: /apply says they may not, /edit shows the YAML read-only (dark scheme followed)", async () => {
  const viewer = (await userSession(f.cp, f.ownerCookie, "viewer")).cookie;
  const page = await signedInPage(viewer, { colorScheme: "dark" });
  await page.goto(`${f.cp.url}/apply`);
  await page.getByTestId("not-allowed").getByText("Creating and changing objects from YAML needs the k8s.write right").waitFor();
  assert.equal(await page.getByRole("link", { name: "Apply YAML" }).count(), 0);
  assert.equal(await page.getByRole("textbox").count(), 0);

  await page.goto(`${f.cp.url}/edit?apiVersion=v1&kind=ConfigMap&namespace=${ns}&name=settings`);
  await page.getByRole("heading", { name: `View YAML: ConfigMap ${ns}/settings` }).waitFor();
  const box = page.getByRole("textbox", { name: `YAML of ConfigMap ${ns}/settings`, exact: true });
  await box.getByText("mode: fast").waitFor();
  assert.equal(await box.getAttribute("aria-readonly"), "true");
  assert.equal(await box.getAttribute("contenteditable"), "false");
  await page.getByText("Your role (viewer) may read this object but not change it").waitFor();
  assert.equal(await page.getByRole("button", { name: /Review|Save/ }).count(), 0);
  const bg = await page.locator(".cm-editor").first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(bg, "rgb(15, 23, 42)", "the editor is dark in the dark scheme");
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});
