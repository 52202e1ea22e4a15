// Rotating a host's credential: a real agent stores the new one and stays connected, the old one is refused, and the
// agent restarted comes back with the new one; the Rotate button on the host page does the same. An agent that stores
// the new credential but dies before confirming (kill -9 half-way) still gets in with it, which then becomes its only
// credential; an agent that refuses keeps its old one. Viewers and operators may not rotate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { io as connect } from "socket.io-client";
import type { Browser } from "playwright-core";
import { AGENT_NAMESPACE, PROTOCOL_VERSION, SOCKET_PATH } from "@/lib/protocol";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { startFakeAgent } from "../support/fake-agent";
import { launchBrowser, signedInPage } from "../support/browser";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";

let f: FleetHost;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  [f, browser] = await Promise.all([startFleetHost("grc"), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await f?.destroy();
});

const storedCredential = () => readFileSync(join(f.agent.root, "agent", "credential"), "utf8").trim();

/** What the control plane says to an agent connecting with `credential`: "connected", or the refusal's code. */
function tryConnect(credential: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(f.cp.url + AGENT_NAMESPACE, { path: SOCKET_PATH, auth: { protocolVersion: PROTOCOL_VERSION, credential }, transports: ["websocket"], reconnection: false });
    socket.once("connect", () => {
      socket.disconnect();
      resolve("connected");
    });
    socket.once("connect_error", (e: Error & { data?: { code?: string } }) => {
      socket.disconnect();
      resolve(e.data?.code ?? e.message);
    });
  });
}

const hostView = async (id: number) => (await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${id}`)).body as { status: string; connected: boolean };

test("a connected agent stores its new credential and stays online; the old one is refused; restarted, it comes back with the new one", async () => {
  const before = storedCredential();
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/rotate-credential`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.confirmed, true);
  assert.ok(r.body.rotatedAt);
  assert.ok(!JSON.stringify(r.body).includes("gch_"), "the secret is never answered");
  const after = storedCredential();
  assert.notEqual(after, before);
  assert.match(after, /^gch_/);
  assert.equal((await hostView(f.hostId)).connected, true, "the rotation did not cut the connection");
  assert.equal(await tryConnect(before), "unauthorized");

  await f.restartAgent("SIGKILL");
  await waitFor("the restarted agent online with its new credential", async () => (await hostView(f.hostId)).status === "online", 30_000);
  assert.equal(storedCredential(), after);

  for (const role of ["viewer", "operator"] as const) {
    const { cookie } = await userSession(f.cp, f.ownerCookie, role);
    assert.equal((await api(f.cp, cookie).post(`/api/v1/hosts/${f.hostId}/rotate-credential`, {})).status, 403, role);
  }
  assert.equal(storedCredential(), after, "refused rotations changed nothing");
});

test("Rotate credential on the host page: confirmed, and the agent holds a new credential", async () => {
  const before = storedCredential();
  const page = await signedInPage(browser, f.cp.url, f.ownerCookie, { errors });
  await page.goto(`${f.cp.url}/hosts/${f.hostId}`);
  await page.getByRole("button", { name: "Rotate credential" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Rotate credential" }).click();
  await page.getByRole("status").filter({ hasText: "New credential in place" }).waitFor();
  await page.context().close();
  assert.notEqual(storedCredential(), before);
  assert.equal(await tryConnect(before), "unauthorized");
  assert.deepEqual(errors, []);
});

test("an agent that stores the new credential and dies before confirming gets in with it, and only with it; one that refuses keeps its old one", async () => {
  // Dies half-way: takes the credential, never acknowledges.
  const silent = await startFakeAgent(f.cp.url, f.ownerCookie);
  let received = "";
  silent.socket.on("credential.rotate", (msg: { credential: string }) => {
    received = msg.credential;
    silent.close();
  });
  const oldSilent = (silent.socket.auth as { credential: string }).credential;
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${silent.hostId}/rotate-credential`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.confirmed, false);
  assert.match(r.body.message, /both work until it connects with the new one/);
  assert.match(received, /^gch_/);
  assert.equal(await tryConnect(received), "connected", "the new credential, stored by the agent, lets it in");
  assert.equal(await tryConnect(oldSilent), "unauthorized", "and from then on the old one does not");

  // Refuses (a disk it cannot write): nothing changes.
  const refusing = await startFakeAgent(f.cp.url, f.ownerCookie);
  refusing.socket.on("credential.rotate", (_msg: unknown, ack: (r: unknown) => void) => ack({ ok: false, error: "storing the new credential failed: EROFS" }));
  const oldRefusing = (refusing.socket.auth as { credential: string }).credential;
  const refused = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${refusing.hostId}/rotate-credential`, {});
  assert.equal(refused.status, 409);
  assert.match(refused.body.error.message, /refused the new credential: storing the new credential failed: EROFS/);
  refusing.close();
  assert.equal(await tryConnect(oldRefusing), "connected");

  // Not connected: nothing to send the credential to.
  const gone = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${refusing.hostId}/rotate-credential`, {});
  assert.equal(gone.status, 409);
  assert.match(gone.body.error.message, /is not connected/);
});
