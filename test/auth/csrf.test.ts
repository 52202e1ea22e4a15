// Cross-site request forgery from a same-site origin: a page served from another port of the control plane's host
// name gets the signed-in user's cookie sent along (SameSite=Lax does not separate ports). Its auto-submitted form,
// its fetch() with credentials and its socket must change nothing; the control plane's own pages, API tokens and
// next-auth's sign-in keep working. Real Chromium, plus the same requests made raw.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Browser } from "playwright-core";
import { io as connect } from "socket.io-client";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn, trySignIn, type TestUser } from "../support/session";
import { launchBrowser } from "../support/browser";

let cp: ControlPlane;
let browser: Browser;
let owner: TestUser;
let ownerCookie: string;
let db: pg.Client;
let evil: Server;
let evilOrigin: string;

/** The attacker's pages, on another port of 127.0.0.1. */
function attackerPages(target: string, hostId: number): Record<string, string> {
  return {
    "/form": `<!doctype html><body>
      <form id="f" method="POST" action="${target}/api/v1/hosts/${hostId}/revoke"><input name="x" value="1"></form>
      <script>document.getElementById("f").submit()</script></body>`,
    "/form-text": `<!doctype html><body>
      <form id="f" method="POST" enctype="text/plain" action="${target}/api/v1/join-tokens"><input name='{"ttlMinutes":60,"x":"' value='"}'></form>
      <script>document.getElementById("f").submit()</script></body>`,
    "/script": `<!doctype html><body><script>
      window.results = (async () => {
        const out = {};
        try {
          // A simple request (no preflight): the browser sends it with the cookie; its answer is opaque, its effect is not.
          await fetch("${target}/api/v1/join-tokens", { method: "POST", mode: "no-cors", credentials: "include" });
          out.noCors = "sent";
        } catch (e) { out.noCors = "error " + e.message; }
        try {
          const r = await fetch("${target}/api/v1/join-tokens", { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: "{}" });
          out.cors = r.status;
        } catch (e) { out.cors = "blocked"; }
        out.socket = await new Promise((resolve) => {
          const ws = new WebSocket("${target.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket");
          const done = (v) => { try { ws.close(); } catch {} resolve(v); };
          ws.onmessage = (m) => {
            const d = String(m.data);
            if (d.startsWith("0{")) ws.send("40/browser,");
            else if (d.startsWith("40/browser")) done("connected");
            else if (d.startsWith("44/browser")) done("refused: " + d.slice(11));
          };
          ws.onerror = () => done("error");
          setTimeout(() => done("timeout"), 5000);
        });
        return out;
      })();
    </script></body>`,
  };
}

before(async () => {
  [cp, browser] = await Promise.all([startControlPlane(), launchBrowser()]);
  owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
  db = new pg.Client({ connectionString: cp.databaseUrl });
  await db.connect();
  const port = await freePort();
  evilOrigin = `http://127.0.0.1:${port}`;
  evil = createServer((req, res) => {
    const html = pages.get(new URL(req.url ?? "/", evilOrigin).pathname);
    res.writeHead(html ? 200 : 404, { "content-type": "text/html" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((r) => evil.listen(port, "127.0.0.1", () => r()));
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (evil ? evil.close(r) : r(undefined)));
  await db?.end();
  await cp?.destroy();
});

const pages = new Map<string, string>();

async function newHost(): Promise<number> {
  const { rows } = await db.query(`INSERT INTO "Host" (name, "credentialHash", status) VALUES ($1, $2, 'online') RETURNING id`, [
    `csrf-${randomBytes(3).toString("hex")}`,
    randomBytes(32).toString("hex"),
  ]);
  return rows[0].id;
}
const revoked = async (id: number) => (await db.query(`SELECT "revokedAt" FROM "Host" WHERE id = $1`, [id])).rows[0].revokedAt !== null;
const joinTokens = async () => (await db.query(`SELECT count(*)::int AS n FROM "JoinToken"`)).rows[0].n as number;

/** A browser context signed in as the owner (the session cookie a real sign-in set, for host 127.0.0.1). */
async function signedInContext() {
  const ctx = await browser.newContext();
  await ctx.addCookies(
    ownerCookie.split("; ").map((pair) => {
      const i = pair.indexOf("=");
      return { name: pair.slice(0, i), value: pair.slice(i + 1), domain: "127.0.0.1", path: "/", httpOnly: true, sameSite: "Lax" as const };
    }),
  );
  return ctx;
}

test("Chromium: a page on another port auto-submits forms and fetches with the owner's cookie — nothing changes", async () => {
  const hostId = await newHost();
  for (const [path, html] of Object.entries(attackerPages(cp.url, hostId))) pages.set(path, html);
  const tokensBefore = await joinTokens();
  const ctx = await signedInContext();
  try {
    const page = await ctx.newPage();
    // The form posts as a navigation; wait for the control plane's answer to load.
    const formAnswer = page.waitForResponse((r) => r.url().startsWith(cp.url));
    await page.goto(`${evilOrigin}/form`);
    const answer = await formAnswer;
    assert.equal(answer.status(), 415, "a form body is refused before anything else");
    const textAnswer = page.waitForResponse((r) => r.url().startsWith(cp.url));
    await page.goto(`${evilOrigin}/form-text`);
    assert.equal((await textAnswer).status(), 415);

    await page.goto(`${evilOrigin}/script`);
    const results = (await page.evaluate("window.results")) as { noCors: string; cors: unknown; socket: string };
    assert.equal(results.noCors, "sent", "the browser did send the request");
    assert.equal(results.cors, "blocked", "a JSON request needs a preflight the control plane does not grant");
    assert.match(results.socket, /^refused: .*cross-site/, `the socket handshake: ${results.socket}`);

    assert.equal(await revoked(hostId), false, "the host was not revoked");
    assert.equal(await joinTokens(), tokensBefore, "no join token was minted");

    // The control plane's own page, same browser, same cookie: its requests go through.
    await page.goto(`${cp.url}/hosts`);
    const own = (await page.evaluate(`fetch("/api/v1/join-tokens", { method: "POST" }).then((r) => r.status)`)) as number;
    assert.equal(own, 201);
    const ownSocket = (await page.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket(location.origin.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket");
      ws.onmessage = (m) => { const d = String(m.data); if (d.startsWith("0{")) ws.send("40/browser,"); else { ws.close(); resolve(d.slice(0, 10)); } };
      setTimeout(() => resolve("timeout"), 5000);
    })`)) as string;
    assert.equal(ownSocket, "40/browser");
    assert.equal(await joinTokens(), tokensBefore + 1);
  } finally {
    await ctx.close();
  }
});

test("raw HTTP: a foreign Origin or Sec-Fetch-Site is refused for cookie requests; form bodies never reach a route", async () => {
  const hostId = await newHost();
  const as = api(cp, ownerCookie);
  const before = await joinTokens();
  const foreign = await as.post("/api/v1/join-tokens", undefined, { origin: evilOrigin });
  assert.equal(foreign.status, 403);
  assert.match(foreign.body.error.message, /cross-site request refused/);
  assert.equal((await as.post("/api/v1/join-tokens", undefined, { "sec-fetch-site": "same-site" })).status, 403);
  assert.equal((await as.post("/api/v1/join-tokens", undefined, { "sec-fetch-site": "cross-site" })).status, 403);
  assert.equal((await as.post("/api/v1/join-tokens", undefined, { origin: "null" })).status, 403);
  assert.equal((await as.request("DELETE", `/api/v1/hosts/${hostId}`, undefined, { origin: evilOrigin })).status, 403);
  assert.equal((await as.patch("/api/v1/me", { name: "Pwned" }, { origin: evilOrigin })).status, 403);
  const form = await as.post(`/api/v1/hosts/${hostId}/revoke`, "x=1", { "content-type": "application/x-www-form-urlencoded" });
  assert.equal(form.status, 415);
  assert.equal((await as.post(`/api/v1/hosts/${hostId}/revoke`, "x", { "content-type": "text/plain" })).status, 415);
  assert.equal((await as.post(`/api/v1/hosts/${hostId}/revoke`, "x", { "content-type": "multipart/form-data; boundary=x" })).status, 415);
  assert.equal(await revoked(hostId), false);
  assert.equal(await joinTokens(), before);

  // Our own origin (by Host, and by GANTRY_PUBLIC_URL) and programs that send no Origin go through.
  assert.equal((await as.post("/api/v1/join-tokens", undefined, { origin: cp.url, "sec-fetch-site": "same-origin" })).status, 201);
  assert.equal((await as.post("/api/v1/join-tokens", undefined)).status, 201);
  // An API token is not a cookie a foreign page can ride: a token request with any Origin is the token holder's.
  const minted = await as.post("/api/v1/tokens", { name: "script" });
  const token = minted.body.token as string;
  assert.equal((await api(cp).post("/api/v1/join-tokens", undefined, { authorization: `Bearer ${token}`, origin: evilOrigin })).status, 201);
  // Reads are not refused (a cross-origin page cannot read their answers anyway).
  assert.equal((await as.get("/api/v1/hosts", { origin: evilOrigin, "sec-fetch-site": "same-site" })).status, 200);
  // Unauthenticated mutations too: first-run setup from a foreign page.
  assert.equal((await api(cp).post("/api/v1/setup", { name: "X", email: "x@example.test", password: "long-enough-password" }, { origin: evilOrigin })).status, 403);
});

test("next-auth: a foreign page cannot sign the browser in or out; our own sign-in form still works", async () => {
  const foreign = await trySignIn(cp, owner.email, owner.password, { origin: evilOrigin });
  assert.equal(foreign.ok, false);
  assert.equal(foreign.status, 403);
  const same = await trySignIn(cp, owner.email, owner.password, { origin: cp.url, "sec-fetch-site": "same-origin" });
  assert.ok(same.ok, `signed in: ${same.error}`);
  const signOut = await api(cp, same.cookie).post("/api/auth/signout", "csrfToken=x&json=true", {
    "content-type": "application/x-www-form-urlencoded",
    "sec-fetch-site": "same-site",
  });
  assert.equal(signOut.status, 403);
  assert.equal((await api(cp, same.cookie).get("/api/v1/me")).status, 200, "still signed in");

  // Chromium on the real sign-in page (form-encoded post with next-auth's CSRF token, from our origin).
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${cp.url}/signin`);
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill(owner.password);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL((u) => u.pathname === "/");
  } finally {
    await ctx.close();
  }
});

test("the browser socket refuses a handshake from a foreign origin, cookie or not", async () => {
  const attempt = (headers: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const s = connect(`${cp.url}/browser`, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: ownerCookie, ...headers } });
      s.on("connect", () => (s.close(), resolve("connected")));
      s.on("connect_error", (e) => (s.close(), resolve(e.message)));
    });
  assert.match(await attempt({ origin: evilOrigin }), /cross-site/);
  assert.match(await attempt({ origin: cp.url.replace(/:\d+$/, ":1") }), /cross-site/);
  assert.equal(await attempt({ origin: cp.url }), "connected");
  assert.equal(await attempt({}), "connected", "programs send no Origin");
});
