// Compose stacks as a user meets them (issue 15, item 6), in Debian's Chromium against a real control plane and two
// real agents running pods (test/support/pod-fleet.ts): a compose file with two services — `web`, a busybox httpd whose
// CGI answers its GREETING and what `api` answers when reached by name through cluster DNS, published on a port, and
// `api`, with a healthcheck — pasted with its .env on "Deploy a stack", previewed (objects, notes), deployed; the stack
// page shows its services ready without a reload and the node port its published port got, which answers over HTTP
// from outside the hosts. Redeployed with an edited file (GREETING changed, api scaled to 2): the same Deployment is
// updated in place and the published port answers with the new value. A viewer sees the stack and its file but no
// Deploy, Redeploy or Remove. Removed: every object the stack made, and its pods, are gone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { startPodFleet, type PodFleet } from "../support/pod-fleet";
import { launchBrowser, signedInPage as openSignedIn } from "../support/browser";
import { waitFor } from "../support/agent";
import { api, userSession } from "../support/session";

let fleet: PodFleet;
let browser: Browser;
let viewerCookie: string;
const pageErrors: string[] = [];

const COMPOSE = `services:
  web:
    image: \${IMAGE}
    environment:
      GREETING: hello
    command:
      - sh
      - -c
      - |
        mkdir -p /www/cgi-bin
        cat > /www/cgi-bin/index.cgi <<EOF
        #!/bin/sh
        echo "Content-Type: text/plain"
        echo
        echo "greeting=$$GREETING"
        printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc api 8080 | tail -n 1
        EOF
        chmod +x /www/cgi-bin/index.cgi
        exec httpd -f -p 80 -h /www
    ports:
      - "8080:80"
    depends_on:
      api:
        condition: service_healthy
    stop_grace_period: 1s
  api:
    image: \${IMAGE}
    command: ["sh", "-c", "mkdir -p /www && echo api-answers > /www/index.html && exec httpd -f -p 8080 -h /www"]
    expose: ["8080"]
    healthcheck:
      test: ["CMD-SHELL", "test -f /www/index.html"]
      interval: 1s
    stop_grace_period: 1s
`;

before(async () => {
  [fleet, browser] = await Promise.all([startPodFleet("stk"), launchBrowser()]);
  viewerCookie = (await userSession(fleet.cp, fleet.cookie, "viewer")).cookie;
  await waitFor("both Nodes with a pod CIDR", async () => {
    const nodes = JSON.parse(await fleet.ok(["get", "nodes", "-o", "json"])).items as { spec: { podCIDR?: string } }[];
    return nodes.filter((n) => n.spec.podCIDR).length === 2;
  }, 30_000);
});

after(async () => {
  await browser?.close();
  await fleet?.stop();
});

const signedInPage = (cookie: string): Promise<Page> => openSignedIn(browser, fleet.cp.url, cookie, { errors: pageErrors });

let lastAnswer = "";
/** GET the published port on a host's underlay address (a namespace this test made) with curl, as a client outside the
 *  hosts (busybox httpd's CGI answers are looser than Node's fetch accepts): the CGI's answer, or "". */
function published(nodePort: number, address = fleet.hosts[0]!.address): Promise<string> {
  return new Promise((resolve) =>
    execFile("curl", ["-sS", "-m", "3", `http://${address}:${nodePort}/cgi-bin/index.cgi`], { encoding: "utf8" }, (err, out, errOut) => {
      lastAnswer = err ? `FAIL ${errOut.trim()}` : out;
      resolve(err ? "" : out.trim());
    }),
  );
}

/** Waits for the published port to answer `expected`; when it does not, fails with its last answer and the pods,
 *  endpoints and Services as kubectl shows them. */
async function answering(nodePort: number, expected: string, ms: number): Promise<void> {
  try {
    await waitFor(`${JSON.stringify(expected)} on node port ${nodePort}`, async () => (await published(nodePort)) === expected, ms, 250);
  } catch (e) {
    const state = await fleet.k.run(["get", "pods,endpoints,services", "-o", "wide"]);
    throw new Error(`${(e as Error).message}; the last answer: ${lastAnswer}\n${state.stdout}${state.stderr}`);
  }
}

/** The objects of the stack at a path of the Kubernetes API ("api/v1/namespaces/default/services"). */
const labelled = async (path: string) =>
  (await api(fleet.cp, viewerCookie).get(`/k8s/${path}?labelSelector=gantry.dev%2Fstack%3Dshop`)).body.items as Array<{ metadata: { name: string; uid: string } }>;

test("deploy a compose file from the page, reach its published port, redeploy a change in place, a viewer sees no controls, remove it", async () => {
  const page = await signedInPage(fleet.cookie);
  await page.goto(`${fleet.cp.url}/stacks?namespace=default`);
  await page.getByRole("link", { name: "Deploy a stack" }).click();
  await page.getByRole("heading", { name: "Deploy a stack" }).waitFor();
  await page.getByLabel("Name", { exact: true }).fill("shop");
  await page.getByLabel("Compose file", { exact: true }).fill(COMPOSE);
  await page.getByRole("button", { name: "Add an env file" }).click();
  await page.getByLabel("Env file 1 name").fill(".env");
  await page.getByLabel("Env file 1 content").fill(`IMAGE=${fleet.image}\n`);

  await page.getByRole("button", { name: "Preview" }).click();
  const objects = page.getByRole("list", { name: "Objects" });
  for (const o of ["ConfigMap/gantry-stack-shop", "Service/web", "Service/web-published", "Service/api", "Deployment/web", "Deployment/api"]) {
    await objects.getByRole("listitem", { name: `create ${o}`, exact: true }).waitFor();
  }
  await page.getByRole("list", { name: "Notes" }).getByText(/api's healthcheck is its readiness probe/).waitFor();
  await page.getByText("Every key of the file is translated.").waitFor();
  // Each object's YAML is there to read.
  await objects.getByRole("listitem", { name: "create Deployment/web", exact: true }).locator("summary").click();
  await objects.getByText(`image: ${fleet.image}`).first().waitFor();

  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await page.waitForURL(`${fleet.cp.url}/stacks/default/shop`);
  await page.getByRole("heading", { name: /Stack shop/ }).waitFor();
  // Ready without a reload (the page watches the stack's Deployments).
  await page.getByLabel("web: 1 of 1 ready").waitFor({ timeout: 90_000 });
  await page.getByLabel("api: 1 of 1 ready").waitFor({ timeout: 30_000 });
  await page.getByRole("heading", { name: /running/ }).waitFor();
  const portText = await page.getByText(/^8080→80\/tcp: node port \d+ on every host$/).textContent();
  const nodePort = Number(/node port (\d+)/.exec(portText!)![1]);

  // The published port answers from outside, on both hosts; web reached api by its name.
  await answering(nodePort, "greeting=hello\napi-answers", 30_000);
  assert.equal(await published(nodePort, fleet.hosts[1]!.address), "greeting=hello\napi-answers");
  const [webBefore] = await labelled("apis/apps/v1/namespaces/default/deployments").then((d) => d.filter((x) => x.metadata.name === "web"));

  // The list shows it with its status.
  const list = await signedInPage(fleet.cookie);
  await list.goto(`${fleet.cp.url}/stacks?namespace=default`);
  const row = list.getByRole("row").filter({ has: list.getByRole("link", { name: "shop" }) });
  await row.getByText("running").waitFor();
  await row.getByText(`web 8080→80/tcp (node port ${nodePort})`).waitFor();

  // Redeploy an edited file from the stack's page: a new greeting, api scaled to 2.
  const editor = page.getByLabel("Compose file", { exact: true });
  const edited = COMPOSE.replace("GREETING: hello", "GREETING: bonjour").replace('    expose: ["8080"]\n', '    expose: ["8080"]\n    deploy:\n      replicas: 2\n');
  await editor.fill(edited);
  await page.getByRole("button", { name: "Preview" }).click();
  const plan = page.getByRole("list", { name: "Objects" });
  for (const o of ["update Deployment/web", "update Deployment/api", "update ConfigMap/gantry-stack-shop", "unchanged Service/web-published", "unchanged Service/api"]) {
    await plan.getByRole("listitem", { name: o, exact: true }).waitFor();
  }
  await page.getByRole("button", { name: "Redeploy" }).click();
  await page.getByText("Stack shop deployed.").waitFor();
  await page.getByLabel("api: 2 of 2 ready").waitFor({ timeout: 60_000 });
  await answering(nodePort, "greeting=bonjour\napi-answers", 60_000);
  const [webAfter] = await labelled("apis/apps/v1/namespaces/default/deployments").then((d) => d.filter((x) => x.metadata.name === "web"));
  assert.equal(webAfter!.metadata.uid, webBefore!.metadata.uid, "the Deployment was updated in place");
  // The stored source is the edited file.
  await page.reload();
  assert.equal(await page.getByLabel("Compose file", { exact: true }).inputValue(), edited);

  // A viewer sees the stack, its status and its file, and no control that changes anything.
  const viewer = await signedInPage(viewerCookie);
  await viewer.goto(`${fleet.cp.url}/stacks?namespace=default`);
  await viewer.getByRole("row").filter({ has: viewer.getByRole("link", { name: "shop" }) }).getByText("running").waitFor();
  assert.equal(await viewer.getByRole("link", { name: "Deploy a stack" }).count(), 0);
  await viewer.getByRole("link", { name: "shop" }).click();
  await viewer.getByLabel("api: 2 of 2 ready").waitFor();
  await viewer.getByLabel("Compose file").getByText("GREETING: bonjour").waitFor();
  for (const name of ["Remove", "Redeploy", "Preview"]) assert.equal(await viewer.getByRole("button", { name, exact: true }).count(), 0, `a viewer has no ${name}`);

  // Remove: everything the stack made goes, its pods too, and the port stops answering.
  await page.getByRole("button", { name: "Remove", exact: true }).click();
  await page.getByRole("dialog").getByText(/Deletes its 6 objects/).waitFor();
  await page.getByRole("button", { name: "Remove stack" }).click();
  await page.waitForURL(`${fleet.cp.url}/stacks?namespace=default`);
  await page.getByText("No stacks in default.").waitFor();
  for (const path of ["api/v1/namespaces/default/configmaps", "api/v1/namespaces/default/services", "apis/apps/v1/namespaces/default/deployments"]) assert.deepEqual(await labelled(path), [], path);
  await waitFor("the stack's pods gone", async () => (await labelled("api/v1/namespaces/default/pods")).length === 0, 60_000);
  assert.equal(await published(nodePort), "");
  assert.deepEqual(pageErrors, []);
});
