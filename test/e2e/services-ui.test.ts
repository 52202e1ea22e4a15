// The Services page as a user meets it (issue 14, item 6), in Debian's Chromium against a real control plane and agent:
// a Service made with kubectl is listed with its type, cluster IP, ports and endpoint counts; a pod it selects starting
// on the host shows as ready without a reload; the Service's page lists the pod behind it, its address, port and the
// host it runs on (a link to the host's page); an unknown Service is a 404. The REST route behind it answers a viewer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser } from "../support/browser";
import { api, userSession } from "../support/session";
import { kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "../k8s/support";

let f: FleetHost;
let browser: Browser;
let ep: KubeEndpoint;
let k: Kube;
let node: string;
const pageErrors: string[] = [];

before(async () => {
  [f, browser] = await Promise.all([startFleetHost("gsu"), launchBrowser()]);
  ep = await kubeEndpoint(f.cp);
  k = kube(ep, await mintToken(f.cp, f.ownerCookie));
  node = (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}`)).body.name;
});

after(async () => {
  await browser?.close();
  await ep?.close();
  await f?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function signedInPage(cookie: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addCookies(
    cookie.split(/;\s*/).filter(Boolean).map((c) => {
      const eq = c.indexOf("=");
      return { name: c.slice(0, eq), value: c.slice(eq + 1), url: f.cp.url };
    }),
  );
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

test("a Service is listed with its address and endpoints, and its page shows the pod behind it and its host", async () => {
  await ok(["create", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "Service", metadata: { name: "shop" },
    spec: { type: "NodePort", selector: { app: "shop" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  }));
  const svc = JSON.parse(await ok(["get", "svc", "shop", "-o", "json"]));
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/services`);
  await page.getByRole("heading", { name: "Services", exact: true }).waitFor();
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: "shop" }) });
  await row.getByText("NodePort").waitFor();
  await row.getByText(svc.spec.clusterIP).waitFor();
  await row.getByText(`http 80:${svc.spec.ports[0].nodePort}/TCP → http`).waitFor();
  await row.getByText("no endpoints").waitFor();

  // A pod it selects starts on the host: the open page turns to "1 ready" by itself.
  await ok(["create", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "Pod", metadata: { name: "shop-1", labels: { app: "shop" } },
    spec: {
      nodeName: node, terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image: f.image, imagePullPolicy: "IfNotPresent", command: ["httpd", "-f", "-p", "8080"], ports: [{ name: "http", containerPort: 8080 }] }],
    },
  }));
  await row.getByText("1 ready").waitFor({ timeout: 60_000 });
  const podIP = JSON.parse(await ok(["get", "pod", "shop-1", "-o", "json"])).status.podIP as string;

  await row.getByRole("link", { name: "shop" }).click();
  await page.getByRole("heading", { name: "default/shop" }).waitFor();
  const endpoint = page.getByRole("row").filter({ hasText: podIP });
  await endpoint.getByText("ready", { exact: true }).waitFor();
  await endpoint.getByText("http: 8080").waitFor();
  await endpoint.getByText("shop-1").waitFor();
  await endpoint.getByRole("link", { name: node }).click();
  await page.waitForURL(`${f.cp.url}/hosts/${f.hostId}`);

  const missing = await page.goto(`${f.cp.url}/services/default/no-such-service`);
  assert.equal(missing?.status(), 404);
  assert.deepEqual(pageErrors, []);

  // The route under it, as a viewer: the same data (k8s.read is every role's).
  const viewer = (await userSession(f.cp, f.ownerCookie, "viewer")).cookie;
  const r = await api(f.cp, viewer).get("/api/v1/services/default/shop");
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.endpointList.map((e: { ip: string; ready: boolean; pod: unknown; host: { id: number } }) => [e.ip, e.ready, e.pod, e.host.id]),
    [[podIP, true, { namespace: "default", name: "shop-1" }, f.hostId]],
  );
  await until(async () => (await api(f.cp, viewer).get("/api/v1/services?namespace=default")).body.items.some((s: { name: string; endpoints: { ready: number } }) => s.name === "shop" && s.endpoints.ready === 1), 5_000, "the list's count");
  assert.equal((await api(f.cp, viewer).get("/api/v1/services?namespace=Bad_Name")).status, 422, "a bad namespace is refused naming it");
  await ok(["delete", "pod", "shop-1", "--wait=false"]);
});
