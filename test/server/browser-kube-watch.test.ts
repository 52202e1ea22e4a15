// The dashboard's view of the Kubernetes API, against a real control plane: a page watches a resource over the
// /browser socket (the current objects, "synced", then each change as it is committed, selectors honoured); Secrets
// reach every reader as keys and sizes, never values; a disabled user's watch ends with the reason; and the /k8s API
// takes the session cookie — reads from anywhere the browser allows, writes only from this control plane's own pages,
// as JSON, and no exec upgrade.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { io as connect, type Socket } from "socket.io-client";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import type { BrowserKubeEvent, KubeEventsMessage } from "../../lib/realtime/kube-watch";

let cp: ControlPlane;
let ownerCookie: string;
const sockets: Socket[] = [];

before(async () => {
  cp = await startControlPlane();
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await cp?.destroy();
});

async function browserSocket(cookie: string): Promise<Socket> {
  const s = connect(`${cp.url}/browser`, { path: "/socket.io", transports: ["websocket"], reconnection: false, extraHeaders: { cookie } });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
  });
  return s;
}

/** Opens a watch and collects its events. */
async function watch(s: Socket, req: object) {
  const events: BrowserKubeEvent[] = [];
  let ended: string | null = null;
  const reply = (await s.timeout(10_000).emitWithAck("kube:watch", req)) as { ok: boolean; watchId?: string; error?: string };
  assert.ok(reply.ok, JSON.stringify(reply));
  s.on("kube:events", (m: KubeEventsMessage) => m.watchId === reply.watchId && events.push(...m.events));
  s.on("kube:end", (m: { watchId: string; error: string }) => m.watchId === reply.watchId && (ended = m.error));
  return { events, watchId: reply.watchId!, ended: () => ended };
}

/** A request to /k8s with the session cookie, as the dashboard's fetch makes it. */
function kube(cookie: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${cp.url}/k8s${path}`, {
    method,
    headers: { cookie, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

const configMap = (name: string, labels: Record<string, string>, data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data });

test("a page's watch: the current objects, synced, then every change in order; a label selector picks what it names", async () => {
  const owner = (m: string, p: string, b?: unknown) => kube(ownerCookie, m, p, b, { origin: cp.url });
  assert.equal((await owner("POST", "/api/v1/namespaces/default/configmaps", configMap("before", { app: "web" }, { a: "1" }))).status, 201);
  const { cookie } = await userSession(cp, ownerCookie, "viewer");
  const s = await browserSocket(cookie);
  const all = await watch(s, { group: "", version: "v1", plural: "configmaps", namespace: "default" });
  const web = await watch(s, { group: "", version: "v1", plural: "configmaps", namespace: "default", labelSelector: "app=web" });
  await waitFor("synced", async () => all.events.some((e) => e.type === "SYNCED") && web.events.some((e) => e.type === "SYNCED"), 10_000);
  const initial = all.events.filter((e) => e.type === "ADDED").map((e) => (e.type !== "SYNCED" ? e.object.metadata.name : ""));
  assert.ok(initial.includes("before"), JSON.stringify(all.events));
  assert.equal(all.events.findIndex((e) => e.type === "SYNCED"), all.events.length - 1, "synced comes after the initial objects");

  assert.equal((await owner("POST", "/api/v1/namespaces/default/configmaps", configMap("other", { app: "db" }, { b: "2" }))).status, 201);
  assert.equal((await owner("PATCH", "/api/v1/namespaces/default/configmaps/before", { data: { a: "2" } }, )).status, 415, "a patch needs its patch content type");
  const patched = await kube(ownerCookie, "PATCH", "/api/v1/namespaces/default/configmaps/before", { data: { a: "2" } }, { origin: cp.url, "content-type": "application/merge-patch+json" });
  assert.equal(patched.status, 200, await patched.text());
  assert.equal((await owner("DELETE", "/api/v1/namespaces/default/configmaps/before")).status, 200);
  await waitFor("changes", async () => all.events.filter((e) => e.type !== "SYNCED" && e.object.metadata.name === "before").length >= 3, 10_000);
  const changes = all.events.slice(all.events.findIndex((e) => e.type === "SYNCED") + 1).map((e) => (e.type === "SYNCED" ? "SYNCED" : `${e.type} ${e.object.metadata.name}`));
  assert.deepEqual(changes, ["ADDED other", "MODIFIED before", "DELETED before"]);
  const modified = all.events.find((e) => e.type === "MODIFIED");
  assert.ok(modified && modified.type === "MODIFIED" && (modified.object as { data?: Record<string, string> }).data?.a === "2");
  assert.equal((modified!.object.metadata as { managedFields?: unknown }).managedFields, undefined, "managedFields are not sent");
  const webNames = web.events.flatMap((e) => (e.type === "SYNCED" ? [] : [`${e.type} ${e.object.metadata.name}`]));
  assert.deepEqual(webNames, ["ADDED before", "MODIFIED before", "DELETED before"], "the selector keeps app=db out");
});

test("Secrets reach a viewer's page as keys and sizes, never values; a bad watch is refused naming the field", async () => {
  const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db-pass" }, type: "Opaque", stringData: { password: "hunter2-very-secret", user: "app" } };
  const made = await kube(ownerCookie, "POST", "/api/v1/namespaces/default/secrets", secret, { origin: cp.url });
  assert.equal(made.status, 201, await made.text());
  const { cookie } = await userSession(cp, ownerCookie, "viewer");
  const s = await browserSocket(cookie);
  const w = await watch(s, { group: "", version: "v1", plural: "secrets", namespace: "default" });
  await waitFor("synced", async () => w.events.some((e) => e.type === "SYNCED"), 10_000);
  const got = w.events.find((e) => e.type === "ADDED" && e.object.metadata.name === "db-pass");
  assert.ok(got && got.type === "ADDED");
  const text = JSON.stringify(got.object);
  assert.ok(!text.includes("hunter2") && !text.includes(Buffer.from("hunter2-very-secret").toString("base64")), text);
  assert.deepEqual((got.object as unknown as { valueSizes: Record<string, number> }).valueSizes, { password: 19, user: 3 });
  // The viewer cannot read the values through /k8s with the same cookie either.
  assert.equal((await kube(cookie, "GET", "/api/v1/namespaces/default/secrets/db-pass")).status, 403);

  const bad = (await s.timeout(5_000).emitWithAck("kube:watch", { group: "", version: "v1", plural: "configmaps", namespace: "default", labelSelector: "a in (" })) as { ok: boolean; error?: string };
  assert.equal(bad.ok, false);
  const unknown = (await s.timeout(5_000).emitWithAck("kube:watch", { group: "", version: "v1", plural: "gizmos" })) as { ok: boolean; error?: string };
  assert.match(unknown.error ?? "", /does not serve v1 gizmos/);
  const shape = (await s.timeout(5_000).emitWithAck("kube:watch", { group: "", version: "v1", plural: "pods", namespace: 7 })) as { ok: boolean; error?: string };
  assert.match(shape.error ?? "", /namespace/);
});

test("a disabled user's watch ends at once", async () => {
  const { user, cookie } = await userSession(cp, ownerCookie, "operator");
  const s = await browserSocket(cookie);
  const w = await watch(s, { group: "apps", version: "v1", plural: "deployments" });
  await waitFor("synced", async () => w.events.some((e) => e.type === "SYNCED"), 10_000);
  const cut = new Promise<void>((r) => s.once("disconnect", () => r()));
  assert.equal((await api(cp, ownerCookie).patch(`/api/v1/users/${user.id}`, { disabled: true })).status, 200);
  // The watch ends with the reason, and the socket of a session that is over is cut (server/browser-gateway.ts).
  await cut;
  const seen = w.events.length;
  assert.equal((await kube(ownerCookie, "POST", "/apis/apps/v1/namespaces/default/deployments", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "after-disable" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } }, { origin: cp.url })).status, 201);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(w.events.length, seen, "nothing reaches a disabled user");
});

test("/k8s with the session cookie: reads; writes only from this control plane's pages and as JSON; no exec upgrade", async () => {
  const { cookie } = await userSession(cp, ownerCookie, "operator");
  assert.equal((await kube(cookie, "GET", "/api/v1/namespaces/default/configmaps")).status, 200);
  assert.equal((await kube("next-auth.session-token=forged", "GET", "/api/v1/namespaces/default/configmaps")).status, 401);
  const cm = configMap("from-page", {}, { k: "v" });
  // Another origin (another port of this host is one) is refused, and nothing is created.
  const crossSite = await kube(cookie, "POST", "/api/v1/namespaces/default/configmaps", cm, { origin: "http://127.0.0.1:1" });
  assert.equal(crossSite.status, 403);
  assert.match(((await crossSite.json()) as { message: string }).message, /cross-site request refused/);
  const fetchSite = await kube(cookie, "POST", "/api/v1/namespaces/default/configmaps", cm, { "sec-fetch-site": "same-site" });
  assert.equal(fetchSite.status, 403);
  const form = await kube(cookie, "POST", "/api/v1/namespaces/default/configmaps", JSON.stringify(cm), { origin: cp.url, "content-type": "text/plain" });
  assert.equal(form.status, 415);
  assert.equal((await kube(cookie, "GET", "/api/v1/namespaces/default/configmaps/from-page")).status, 404, "nothing was created");
  // The page's own write, with a dry run first as the editor does.
  const dry = await kube(cookie, "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", cm, { origin: cp.url, "sec-fetch-site": "same-origin" });
  assert.equal(dry.status, 201);
  assert.equal((await kube(cookie, "GET", "/api/v1/namespaces/default/configmaps/from-page")).status, 404);
  assert.equal((await kube(cookie, "POST", "/api/v1/namespaces/default/configmaps", cm, { origin: cp.url })).status, 201);
  // A viewer's cookie reads but does not write.
  const viewer = await userSession(cp, ownerCookie, "viewer");
  assert.equal((await kube(viewer.cookie, "DELETE", "/api/v1/namespaces/default/configmaps/from-page", undefined, { origin: cp.url })).status, 403);
  // Exec takes an API token: the dashboard's terminal has its own socket.
  const exec = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${cp.url}/k8s/api/v1/namespaces/default/pods/none/exec?command=sh&stdout=true`, {
      headers: { cookie, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-protocol": "v4.channel.k8s.io" },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve("upgraded");
    });
    req.on("response", (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(exec, "401");
});
